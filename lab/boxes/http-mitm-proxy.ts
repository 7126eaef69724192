/**
 * http-mitm-proxy 1.1.0 (npm, a project dependency): an explicit proxy on loopback only (it has
 * no transparent mode). Its CA dir is filled with the scenario's root: the library serves the
 * leaf alone, so with the issuing CA a client trusting only the root could never build the path.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeTsArgv } from '../clients/node-ts-argv.ts';
import { explicitBoxListening, freeLoopbackPort, spawnBox } from './process.ts';
import type { BoxPolicy, Interceptor, Limitation } from './types.ts';

function writeCaDir(policy: BoxPolicy, dir: string): string {
  const caDir = join(dir, 'ca-dir');
  mkdirSync(join(caDir, 'certs'), { recursive: true, mode: 0o700 });
  mkdirSync(join(caDir, 'keys'), { recursive: true, mode: 0o700 });
  const { certPem, keyPem } = policy.authority.root;
  writeFileSync(join(caDir, 'certs', 'ca.pem'), certPem);
  // node-forge reads PKCS#1 RSA keys
  writeFileSync(join(caDir, 'keys', 'ca.private.key'), createPrivateKey(keyPem).export({ type: 'pkcs1', format: 'pem' }), { mode: 0o600 });
  writeFileSync(join(caDir, 'keys', 'ca.public.key'), createPublicKey(keyPem).export({ type: 'spki', format: 'pem' }));
  return caDir;
}

export const httpMitmProxy: Interceptor = {
  name: 'http-mitm-proxy',
  settings: 'http-mitm-proxy 1.1.0 (npm): library defaults + forceSNI; targets by CONNECT host in its connect hook (others tunnelled); signs with the scenario\'s root (it sends no chain); a new RSA-2048 key per host; upstream verified (NODE_EXTRA_CA_CERTS)',
  missing: () => undefined,
  unsupported(policy) {
    return createPrivateKey(policy.authority.root.keyPem).asymmetricKeyType === 'rsa' ? undefined : 'http-mitm-proxy (node-forge) signs with RSA keys only; this scenario\'s root is not RSA';
  },
  limitations(policy: BoxPolicy): Limitation[] {
    const out: Limitation[] = [];
    if (policy.authority.intermediates.length > 0) out.push({ text: 'http-mitm-proxy sends the leaf alone, so it signs with the root itself, not the scenario\'s issuing CA' });
    if (policy.upstream.interceptOnlyIfUpstreamValid && policy.brokenSites.length > 0) {
      out.push({ text: 'http-mitm-proxy cannot pass a broken origin through untouched (the 2019 trigger)', sites: policy.brokenSites });
    }
    if (!policy.upstream.verify) out.push({ text: 'http-mitm-proxy always verifies upstream certificates (the policy asks it not to)' });
    return out;
  },
  async start(policy, dir) {
    const port = await freeLoopbackPort();
    const config = join(dir, 'http-mitm-proxy.json');
    const sites = Object.fromEntries(policy.sites.flatMap((s) => {
      const to = policy.resolve(s);
      return to ? [[s.toLowerCase(), to.host]] : [];
    }));
    writeFileSync(config, JSON.stringify({ port, sslCaDir: writeCaDir(policy, dir), targets: policy.targets.wildcard ? '*' : [...policy.targets.names], sites }));
    const keylogFile = join(dir, 'keys.log');
    const [node, ...args] = nodeTsArgv(new URL('./http-mitm-proxy-main.ts', import.meta.url), [config], [`--tls-keylog=${keylogFile}`]);
    const box = spawnBox('http-mitm-proxy', node!, args, { logFile: join(dir, 'http-mitm-proxy.log'), cwd: dir, env: { ...process.env, NODE_EXTRA_CA_CERTS: policy.upstreamCaFile } });
    return explicitBoxListening(box, 'http-mitm-proxy', port, { caPem: policy.authority.root.certPem, keylogFile });
  },
};
