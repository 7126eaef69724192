import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuthority, issueServerCertificate } from '../../lab/ca/index.ts';
import { NetnsLab } from '../../lab/runtime/netns/lab.ts';
import { installSystemTrust, cleanClientEnv, NODE_SYSTEM_TRUST_FLAGS } from '../../lab/runtime/netns/etc-files.ts';
import { startNetnsOrigin } from '../../lab/runtime/netns/origins.ts';
import { skipReason } from './support.ts';

const NODE_GET = `require('https').get('https://example.org/', (r) => { console.log('status', r.statusCode); r.resume(); }).on('error', (e) => { console.log('error', e.code); });`;

test('per-client trust: only the client namespace trusts the lab CA, Node needs --use-openssl-ca, the environment is clean', { skip: skipReason, timeout: 60_000 }, async () => {
  const work = mkdtempSync(join(tmpdir(), 'tlslab-netns-trust-'));
  const lab = await NetnsLab.up({ origins: ['example.org'] });
  try {
    const pub = await createAuthority('lab-public');
    const cert = await issueServerCertificate(pub, { names: ['example.org'] });
    await startNetnsOrigin(lab, 'origin-example', { name: 'example.org', chainPem: cert.chainPem, keyPem: cert.keyPem }, work);
    const env = cleanClientEnv(work);

    // an unrelated anchor only (an empty bundle is a different error: curl exit 77)
    const other = await createAuthority('generic', { generic: { subject: 'CN=Unrelated Root, C=KZ' } });
    await installSystemTrust(lab.holder, lab.ns('client'), [other.root.certPem]);
    const untrusted = await lab.run('client', ['curl', '-sS', '--max-time', '5', 'https://example.org/'], { check: false, env });
    assert.equal(untrusted.code, 60, `curl without the anchor: ${untrusted.stderr}`);

    await installSystemTrust(lab.holder, lab.ns('client'), [pub.root.certPem]);
    const trusted = await lab.run('client', ['curl', '-sS', '--max-time', '5', '-o', '/dev/null', '-w', '%{http_code}', 'https://example.org/'], { env });
    assert.equal(trusted.stdout, '200');
    const leafFile = join(work, 'leaf.pem');
    const chainFile = join(work, 'chain.pem');
    writeFileSync(leafFile, cert.certPem);
    writeFileSync(chainFile, cert.chainPem);
    const capath = await lab.run('client', ['openssl', 'verify', '-CApath', '/etc/ssl/certs', '-untrusted', chainFile, leafFile], { check: false });
    assert.match(capath.stdout, /OK/, `hash links serve CApath users: ${capath.stderr}`);

    const nodePlain = await lab.run('client', [process.execPath, '-e', NODE_GET], { env });
    assert.match(nodePlain.stdout, /error (SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|UNABLE_TO_VERIFY_LEAF_SIGNATURE)/, 'Node ignores /etc/ssl by default');
    const nodeSystem = await lab.run('client', [process.execPath, ...NODE_SYSTEM_TRUST_FLAGS, '-e', NODE_GET], { env });
    assert.match(nodeSystem.stdout, /status 200/);

    const seen = await lab.run('client', ['env'], { env });
    assert.deepEqual(seen.stdout.trim().split('\n').map((l) => l.split('=')[0]).sort(), ['HOME', 'LANG', 'PATH']);

    // the host itself trusts nothing new (checked offline, never by connecting)
    const host = spawnSync('openssl', ['verify', '-CApath', '/etc/ssl/certs', '-untrusted', chainFile, leafFile], { encoding: 'utf8' });
    assert.notEqual(host.status, 0);
  } finally {
    await lab.down();
    rmSync(work, { recursive: true, force: true });
  }
});
