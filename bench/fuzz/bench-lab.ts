/**
 * What the fuzzer and the slowloris bench stand on: an HTTPS origin in this process for both
 * names, a rogue authority on disk, and the target engine in its own process pointed at them.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuthority, issueServerCertificate, saveAuthority } from '../../lab/ca/index.ts';
import { OTHER_NAME, TARGET_NAME } from './inputs.ts';
import { startTarget, type Target, type TargetConfig } from './target.ts';

export interface BenchLab {
  /** PEM of the rogue root: a client trusting it accepts the engine's forged leaves */
  roguePem: string;
  /** a new target process (the previous one is the caller's to stop) */
  launch(): Promise<Target>;
  close(): Promise<void>;
}

const here = new URL('.', import.meta.url).pathname;

export async function startBenchLab(timeouts: TargetConfig['timeouts'], targetScript = join(here, 'target-main.ts')): Promise<BenchLab> {
  const dir = mkdtempSync(join(tmpdir(), 'tlslab-fuzz-'));
  const [pub, rogue] = await Promise.all([createAuthority('lab-public'), createAuthority('generic')]);
  await saveAuthority(rogue, join(dir, 'rogue'));
  const cert = await issueServerCertificate(pub, { names: [TARGET_NAME, OTHER_NAME], validity: 'valid', selfSigned: false, keyType: 'ecdsa-p256' });
  // short keep-alive, so the engine's pooled upstream connections close soon after the last request
  const server = https.createServer({ cert: cert.chainPem, key: cert.keyPem, keepAliveTimeout: 300 }, (req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`origin ${req.headers.host ?? ''}\n`);
  });
  server.on('tlsClientError', () => {});
  server.on('clientError', (_err, socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const config: TargetConfig = {
    rogueDir: join(dir, 'rogue'),
    publicRootPem: pub.root.certPem,
    origin: { host: '127.0.0.1', port: (server.address() as AddressInfo).port },
    targetName: TARGET_NAME,
    timeouts,
  };
  writeFileSync(join(dir, 'target.json'), JSON.stringify(config));
  return {
    roguePem: rogue.root.certPem,
    launch: () => startTarget(join(dir, 'target.json'), targetScript),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
