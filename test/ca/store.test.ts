import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync, existsSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { createAuthority, saveAuthority, loadAuthority, createForger, toPkcs12, writePhoneBundle, certificateDer, issueServerCertificate } from '../../lab/ca/index.ts';
import { UserError } from '../../harness/errors.ts';
import { tempDir } from './helpers.ts';

const mode = (path: string) => statSync(path).mode & 0o777;

describe('saveAuthority / loadAuthority', () => {
  test('layout, 0600 keys, chain order, and a round trip that still forges', async (t) => {
    const dir = tempDir(t);
    const authority = await createAuthority('lab-public');
    await saveAuthority(authority, dir);
    assert.equal(readFileSync(join(dir, 'ca.pem'), 'utf8'), authority.root.certPem);
    assert.equal(mode(join(dir, 'ca.key')), 0o600);
    assert.equal(mode(join(dir, 'issuing.key')), 0o600);
    assert.equal(readFileSync(join(dir, 'chain.pem'), 'utf8'), authority.intermediates[0]!.certPem);
    assert.equal(JSON.parse(readFileSync(join(dir, 'authority.json'), 'utf8')).preset, 'lab-public');

    const loaded = await loadAuthority(dir);
    assert.equal(loaded.preset, 'lab-public');
    assert.equal(loaded.root.certPem, authority.root.certPem);
    assert.equal(loaded.intermediates[0]!.certPem, authority.intermediates[0]!.certPem);
    assert.equal(loaded.intermediates[0]!.keyPem, authority.intermediates[0]!.keyPem);
    const forger = await createForger(loaded, 'modern');
    const leaf = await forger.forge({ sni: 'reload.example' });
    const issuer = new X509Certificate(authority.intermediates[0]!.certPem);
    assert.ok(new X509Certificate(leaf.chainPem).verify(issuer.publicKey));
  });

  test('rewriting over an existing world-readable key file makes it 0600', async (t) => {
    const dir = tempDir(t);
    writeFileSync(join(dir, 'ca.key'), 'old');
    chmodSync(join(dir, 'ca.key'), 0o644);
    await saveAuthority(await createAuthority('generic'), dir);
    assert.equal(mode(join(dir, 'ca.key')), 0o600);
    assert.ok(!existsSync(join(dir, 'chain.pem')), 'no chain.pem without intermediates');
    assert.deepEqual((await loadAuthority(dir)).intermediates, []);
  });

  test('missing or broken files are UserErrors naming the file', async (t) => {
    const dir = tempDir(t);
    await assert.rejects(loadAuthority(dir), (err: unknown) => err instanceof UserError && err.message.includes(join(dir, 'ca.pem')) && /no such file/.test(err.message));
    await saveAuthority(await createAuthority('generic'), dir);
    writeFileSync(join(dir, 'ca.key'), '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n');
    await assert.rejects(loadAuthority(dir), (err: unknown) => err instanceof UserError && err.message.startsWith(join(dir, 'ca.key')));
    writeFileSync(join(dir, 'ca.pem'), 'hello');
    await assert.rejects(loadAuthority(dir), (err: unknown) => err instanceof UserError && /ca\.pem: PEM contains no CERTIFICATE|ca\.pem: not a valid/.test(err.message));
  });
});

describe('exports', () => {
  test('PKCS#12 of an RSA origin (node-forge) and of an EC CA (openssl) open with openssl', async (t) => {
    const dir = tempDir(t);
    const pub = await createAuthority('lab-public');
    const rsaCa = await createAuthority('generic', { generic: { keyType: 'rsa2048' } });
    const origin = await issueServerCertificate(rsaCa, { names: ['p12.example'], keyType: 'rsa2048' });
    for (const [name, keyed, chain] of [
      ['rsa', { certPem: origin.certPem, keyPem: origin.keyPem }, rsaCa.root.certPem],
      ['ec', pub.intermediates[0]!, pub.root.certPem],
    ] as const) {
      const p12 = await toPkcs12(keyed, { password: 'lab', friendlyName: `lab ${name}`, chainPem: chain });
      writeFileSync(join(dir, `${name}.p12`), p12);
      const out = execFileSync('openssl', ['pkcs12', '-in', join(dir, `${name}.p12`), '-passin', 'pass:lab', '-nodes'], { encoding: 'utf8' });
      assert.equal((out.match(/BEGIN CERTIFICATE/g) ?? []).length, 2, name);
      assert.match(out, /BEGIN PRIVATE KEY/);
      assert.match(out, new RegExp(`friendlyName: lab ${name}`));
    }
  });

  test('phone bundle: qazca.cer/.der (DER) and .pem of the same root', async (t) => {
    const dir = tempDir(t);
    const ca = await createAuthority('generic');
    const files = await writePhoneBundle(ca.root.certPem, dir);
    assert.deepEqual(files.map((f) => f.slice(dir.length + 1)).sort(), ['index.html', 'qazca.cer', 'qazca.der', 'qazca.pem']);
    const der = certificateDer(ca.root.certPem);
    assert.deepEqual(readFileSync(join(dir, 'qazca.cer')), der);
    assert.deepEqual(readFileSync(join(dir, 'qazca.der')), der);
    assert.deepEqual(new X509Certificate(readFileSync(join(dir, 'qazca.pem'))).raw, der);
  });
});
