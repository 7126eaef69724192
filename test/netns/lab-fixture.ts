/** A small KZ-like lab for the netns tests: two origins with lab-public certificates, a rogue authority, the stub terminator. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuthority, issueServerCertificate, type AuthorityMaterial } from '../../lab/ca/index.ts';
import { NetnsLab } from '../../lab/runtime/netns/lab.ts';
import { installSystemTrust } from '../../lab/runtime/netns/etc-files.ts';
import { installInterception, startGatewayEngine } from '../../lab/runtime/netns/interception.ts';
import { startNetnsOrigin, type RunningOrigin } from '../../lab/runtime/netns/origins.ts';
import { nodeTsArgv } from '../../lab/clients/node-ts-argv.ts';
import type { InterceptionMethod } from '../../lab/runtime/netns/interception-rules.ts';

export const STUB_PORT = 20443;

export interface Fixture {
  lab: NetnsLab;
  work: string;
  pub: AuthorityMaterial;
  rogue: AuthorityMaterial;
  facebook: RunningOrigin;
  example: RunningOrigin;
  close(): Promise<void>;
}

export async function upFixture(routersBeforeGateway = 2): Promise<Fixture> {
  const work = mkdtempSync(join(tmpdir(), 'tlslab-netns-test-'));
  const lab = await NetnsLab.up({ clients: 1, routersBeforeGateway, origins: ['facebook.com', 'example.org'] });
  const close = async (): Promise<void> => {
    await lab.down();
    rmSync(work, { recursive: true, force: true });
  };
  try {
    // an EC "generic" rogue: the real KZ presets need RSA key generation (3-8 s), which these rule tests do not exercise
    const [pub, rogue] = await Promise.all([createAuthority('lab-public'), createAuthority('generic', { generic: { subject: 'CN=Rogue Test Root, O=Lab Rogue, C=KZ' } })]);
    const start = async (name: string): Promise<RunningOrigin> => {
      const cert = await issueServerCertificate(pub, { names: [name] });
      return startNetnsOrigin(lab, `origin-${name.split('.')[0]}`, { name, chainPem: cert.chainPem, keyPem: cert.keyPem }, work);
    };
    const [facebook, example] = await Promise.all([start('facebook.com'), start('example.org')]);
    await installSystemTrust(lab.holder, lab.ns('client'), [pub.root.certPem, rogue.root.certPem]);
    return { lab, work, pub, rogue, facebook, example, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** intercepts only connections to `targets` with the stub terminator presenting a rogue-signed facebook.com leaf */
export async function interceptWithStub(f: Fixture, method: InterceptionMethod, targets: readonly string[]): Promise<void> {
  const forged = await issueServerCertificate(f.rogue, { names: ['facebook.com'] });
  const config = join(f.work, `stub-${method}.json`);
  writeFileSync(config, JSON.stringify({ chainPem: forged.chainPem, keyPem: forged.keyPem, ...(method === 'tproxy' ? { fd: 3 } : { port: STUB_PORT }), keylog: join(f.work, 'stub-keys.log') }));
  await installInterception(f.lab, { method, port: STUB_PORT, selection: { kind: 'destinations', addresses: targets } });
  await startGatewayEngine(f.lab, { method, port: STUB_PORT, engineArgv: nodeTsArgv(new URL('./stub-terminator.ts', import.meta.url), [config]) });
}

export function genuineIssuers(a: AuthorityMaterial): string[] {
  return [a.root.certPem, ...a.intermediates.map((i) => i.certPem)];
}
