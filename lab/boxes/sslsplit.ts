/**
 * sslsplit 0.5.5 (Debian): no CONNECT door, so on loopback it gets one "ssl" listener per site
 * with that site's origin as its fixed upstream (the tap picks the listener by SNI); in a
 * gateway one listener finds the original destination through netfilter. It forges with the
 * scenario's issuing CA and sends the chain above it. What it cannot do is declared: it checks no
 * upstream certificate and it intercepts every name. It speaks TLS 1.3 on both legs, but its key
 * log (-M) holds CLIENT_RANDOM lines only, which decrypt TLS 1.2 and not 1.3.
 */
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { writeBoxCa } from './ca-files.ts';
import { findExecutable } from '../runtime/find-executable.ts';
import { freeLoopbackPort, spawnBox, waitForBox } from './process.ts';
import type { BoxPolicy, Interceptor, Limitation } from './types.ts';
import type { Destination } from '../proxy/types.ts';

function caArgs(policy: BoxPolicy, dir: string): string[] {
  const ca = writeBoxCa(policy, dir);
  // the chain it sends after the leaf: the issuing CA's parents and the root
  const chainFile = join(dir, 'sslsplit-chain.pem');
  writeFileSync(chainFile, [...ca.chainPem, ca.rootPem].join(''));
  return ['-c', ca.certFile, '-k', ca.keyFile, '-C', chainFile];
}

export const sslsplit: Interceptor = {
  name: 'sslsplit',
  settings: 'sslsplit 0.5.5 (Debian): one "ssl" listener per site with a fixed upstream on loopback, netfilter NAT lookup in a gateway; forged with the scenario\'s issuing CA, its parents and root sent as the chain',
  missing: () => (findExecutable('sslsplit') ? undefined : 'sslsplit is not installed (apt-get install sslsplit)'),
  limitations(policy: BoxPolicy): Limitation[] {
    const out: Limitation[] = [{ text: 'sslsplit does not verify upstream certificates: a broken origin is laundered', ...(policy.brokenSites.length > 0 ? { sites: policy.brokenSites } : { sites: [] }) }];
    if (!policy.targets.wildcard) {
      const untargeted = policy.sites.filter((s) => !policy.targets.names.has(s.toLowerCase()));
      if (untargeted.length > 0) out.push({ text: 'sslsplit 0.5.5 has no per-name filter: it intercepts every name, targets or not', sites: untargeted });
    }
    return out;
  },
  async start(policy, dir) {
    const listeners = new Map<string, Destination>();
    const specs: string[] = [];
    for (const site of policy.sites) {
      const to = policy.resolve(site);
      if (!to) continue;
      const port = await freeLoopbackPort();
      listeners.set(site.toLowerCase(), { host: '127.0.0.1', port });
      specs.push('ssl', '127.0.0.1', String(port), to.host, String(to.port));
    }
    const keylogFile = join(dir, 'keys.log');
    const box = spawnBox('sslsplit', findExecutable('sslsplit')!, [...caArgs(policy, dir), '-M', keylogFile, ...specs], { logFile: join(dir, 'sslsplit.log'), cwd: dir });
    try {
      for (const { port } of listeners.values()) await waitForBox(box, 'sslsplit', '127.0.0.1', port);
    } catch (err) {
      await box.stop();
      throw err;
    }
    return {
      doors: { kind: 'per-site', listeners },
      caPem: policy.authority.root.certPem,
      keylogFile,
      logTail: () => box.logTail(),
      stop: () => box.stop(),
    };
  },
  async startTransparent(policy, place) {
    const port = 28081;
    const keylogFile = join(place.workDir, 'sslsplit-keys.log');
    const running = place.spawn(['sslsplit', ...caArgs(policy, place.workDir), '-M', keylogFile, 'ssl', '0.0.0.0', String(port)], { logFile: join(place.workDir, 'sslsplit.log') });
    await place.waitListening(port, 20_000);
    return { port, caPem: policy.authority.root.certPem, keylogFile, logTail: running.logTail, stop: () => running.stop() };
  },
};
