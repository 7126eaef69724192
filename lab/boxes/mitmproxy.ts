/**
 * mitmproxy (mitmdump, Debian's mitmproxy 8.1): an explicit proxy on loopback, `--mode transparent`
 * in a gateway (netns, containers). It forges with the scenario's issuing CA (its confdir's mitmproxy-ca.pem),
 * intercepts only the target names (allow_hosts on the SNI), verifies origins against the lab's
 * public PKI, contacts the origin before answering the client (its default, as the 2019 box did),
 * and writes a key log.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeBoxCa, exactNamesPattern } from './ca-files.ts';
import { findExecutable } from '../runtime/find-executable.ts';
import { explicitBoxListening, freeLoopbackPort, spawnBox } from './process.ts';
import { writeSitesJson } from './sites-file.ts';
import type { BoxPolicy, Interceptor, Limitation } from './types.ts';

const ADDON = fileURLToPath(new URL('./mitmproxy-lab-addon.py', import.meta.url));

function options(policy: BoxPolicy, dir: string): string[] {
  const ca = writeBoxCa(policy, dir);
  const confdir = join(dir, 'confdir');
  mkdirSync(confdir, { recursive: true, mode: 0o700 });
  // more than one certificate in mitmproxy-ca.pem makes mitmproxy send them as the chain: the
  // issuing CA and what is above it, so a client that trusts only the root can build the path
  writeFileSync(join(confdir, 'mitmproxy-ca.pem'), ca.keyPem + ca.certPem + ca.chainPem.join('') + ca.rootPem, { mode: 0o600 });
  return [
    '-q',
    '--set', `confdir=${confdir}`,
    ...(policy.targets.wildcard ? [] : ['--set', `allow_hosts=${exactNamesPattern(policy.targets.names)}`]),
    ...(policy.upstream.verify ? ['--set', `ssl_verify_upstream_trusted_ca=${policy.upstreamCaFile}`] : ['--set', 'ssl_insecure=true']),
    // an unexpected body size must not buffer whole pages in memory
    '--set', 'stream_large_bodies=1m',
  ];
}

export const mitmproxy: Interceptor = {
  name: 'mitmproxy',
  settings: 'mitmdump 8.1 (Debian mitmproxy): allow_hosts = the exact target names (matched on SNI), upstream verified against the lab public CA, eager upstream connection, forged with the scenario\'s issuing CA',
  missing: () => (findExecutable('mitmdump') ? undefined : 'mitmdump is not installed (apt-get install mitmproxy)'),
  limitations(policy: BoxPolicy): Limitation[] {
    const out: Limitation[] = [];
    if (policy.upstream.interceptOnlyIfUpstreamValid && policy.brokenSites.length > 0) {
      out.push({ text: 'mitmproxy cannot pass a broken origin through untouched (the 2019 trigger): it refuses or launders it', sites: policy.brokenSites });
    }
    return out;
  },
  async start(policy, dir) {
    const port = await freeLoopbackPort();
    const keylogFile = join(dir, 'keys.log');
    const box = spawnBox('mitmdump', findExecutable('mitmdump')!, ['--listen-host', '127.0.0.1', '--listen-port', String(port), ...options(policy, dir), '-s', ADDON], {
      logFile: join(dir, 'mitmdump.log'),
      cwd: dir,
      env: { ...process.env, TLSLAB_SITES: writeSitesJson(policy, dir), MITMPROXY_SSLKEYLOGFILE: keylogFile },
    });
    return explicitBoxListening(box, 'mitmdump', port, { caPem: policy.authority.root.certPem, keylogFile });
  },
  async startTransparent(policy, place) {
    const dir = place.workDir;
    const port = 28080;
    const keylogFile = join(dir, 'mitmproxy-keys.log');
    const running = place.spawn(['mitmdump', '--mode', 'transparent', '--listen-host', '0.0.0.0', '--listen-port', String(port), ...options(policy, dir)], {
      logFile: join(dir, 'mitmdump.log'),
      env: { MITMPROXY_SSLKEYLOGFILE: keylogFile, HOME: dir },
    });
    await place.waitListening(port, 20_000);
    return { port, caPem: policy.authority.root.certPem, keylogFile, logTail: running.logTail, stop: () => running.stop() };
  },
};
