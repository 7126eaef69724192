/** A revoked origin's CRL, as the report card serves it: openssl accepts its signature and finds the serial. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuthority, issueCrl, issueServerCertificate } from '../../lab/ca/index.ts';

test('issueCrl: signed by the issuing CA, lists the revoked serial; the leaf points at the given base', async () => {
  const authority = await createAuthority('lab-public');
  const leaf = await issueServerCertificate(authority, { names: ['revoked.example'], revocationBase: 'http://127.0.99.250:8123' });
  const crl = await issueCrl(authority, [leaf.serialHex]);
  const dir = mkdtempSync(join(tmpdir(), 'tlslab-test-crl-'));
  try {
    writeFileSync(join(dir, 'issuing.pem'), authority.intermediates[0]!.certPem);
    writeFileSync(join(dir, 'crl.der'), crl);
    writeFileSync(join(dir, 'leaf.pem'), leaf.certPem);
    const text = execFileSync('openssl', ['crl', '-inform', 'DER', '-in', join(dir, 'crl.der'), '-CAfile', join(dir, 'issuing.pem'), '-noout', '-text'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    assert.match(text, new RegExp(`Serial Number: 0*${leaf.serialHex.replace(/^0+/, '')}\\n`, 'i'));
    assert.match(text, /Key Compromise/);
    const leafText = execFileSync('openssl', ['x509', '-in', join(dir, 'leaf.pem'), '-noout', '-ext', 'crlDistributionPoints,authorityInfoAccess'], { encoding: 'utf8' });
    assert.match(leafText, /URI:http:\/\/127\.0\.99\.250:8123\/issuing\.crl/);
    assert.match(leafText, /OCSP - URI:http:\/\/127\.0\.99\.250:8123\/ocsp/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('issueCrl: verification fails against another CA (the signature is real)', async () => {
  const [authority, other] = await Promise.all([createAuthority('lab-public'), createAuthority('qaznet-2019')]);
  const crl = await issueCrl(authority, ['01']);
  const dir = mkdtempSync(join(tmpdir(), 'tlslab-test-crl-'));
  try {
    writeFileSync(join(dir, 'other.pem'), other.intermediates[0]?.certPem ?? other.root.certPem);
    writeFileSync(join(dir, 'crl.der'), crl);
    assert.throws(() => execFileSync('openssl', ['crl', '-inform', 'DER', '-in', join(dir, 'crl.der'), '-CAfile', join(dir, 'other.pem'), '-noout'], { stdio: 'pipe' }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
