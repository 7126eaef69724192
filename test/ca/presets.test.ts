import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import * as asn1 from '@peculiar/asn1-x509';
import { AsnConvert } from '@peculiar/asn1-schema';
import { createAuthority, spkiSha256, type AuthorityMaterial } from '../../lab/ca/index.ts';
import { UserError } from '../../harness/errors.ts';
import { asnCertificate, der, fixturePem, keyDetails, opensslText, opensslVerify } from './helpers.ts';

const QAZNET_NAME_B64 = 'MCwxCzAJBgNVBAYTAktaMR0wGwYDVQQDExRRYXpuZXQgVHJ1c3QgTmV0d29yaw==';
const KEY_DEPENDENT = new Set([asn1.id_ce_subjectKeyIdentifier, asn1.id_ce_authorityKeyIdentifier]);

let qaznet: AuthorityMaterial;
let isca2020: AuthorityMaterial;
let isca2024: AuthorityMaterial;
const now = new Date('2026-11-23T08:00:00Z');

before(async () => {
  // RSA-4096 keys are the slow part of this file: each preset is made once, in parallel
  [qaznet, isca2020, isca2024] = await Promise.all([
    createAuthority('qaznet-2019', { now }),
    createAuthority('isca-2020', { now }),
    createAuthority('isca-2024', { now }),
  ]);
});

/** Every TBS field of two certificates must be identical except the key and what derives from it. */
function assertSameButKey(presetPem: string, realPem: string): void {
  const made = asnCertificate(presetPem).tbsCertificate;
  const real = asnCertificate(realPem).tbsCertificate;
  assert.equal(made.version, real.version, 'version');
  assert.deepEqual(Buffer.from(made.serialNumber), Buffer.from(real.serialNumber), 'serial INTEGER bytes');
  assert.deepEqual(der(made.signature), der(real.signature), 'signature algorithm');
  assert.deepEqual(der(made.issuer), der(real.issuer), 'issuer Name DER');
  assert.deepEqual(der(made.subject), der(real.subject), 'subject Name DER');
  assert.deepEqual(der(made.validity), der(real.validity), 'validity (dates and their ASN.1 time types)');
  assert.deepEqual(der(made.subjectPublicKeyInfo.algorithm), der(real.subjectPublicKeyInfo.algorithm), 'key algorithm');
  const madeKey = keyDetails(der(made.subjectPublicKeyInfo));
  const realKey = keyDetails(der(real.subjectPublicKeyInfo));
  assert.deepEqual({ bits: madeKey.bits, e: madeKey.exponent }, { bits: realKey.bits, e: realKey.exponent }, 'key size and exponent');
  assert.notDeepEqual(der(made.subjectPublicKeyInfo), der(real.subjectPublicKeyInfo), 'the key must be fresh, not the real one');
  const exts = (tbs: asn1.TBSCertificate) => (tbs.extensions ?? []).map((e) => ({ id: e.extnID, critical: e.critical }));
  assert.deepEqual(exts(made), exts(real), 'extension set, order and criticality');
  for (const [i, ext] of (real.extensions ?? []).entries()) {
    if (KEY_DEPENDENT.has(ext.extnID)) continue;
    assert.deepEqual(Buffer.from(made.extensions![i]!.extnValue.buffer), Buffer.from(ext.extnValue.buffer), `value of ${ext.extnID}`);
  }
  assert.deepEqual(der(asnCertificate(presetPem).signatureAlgorithm), der(asnCertificate(realPem).signatureAlgorithm), 'outer signature algorithm');
}

function keyIdOf(pem: string): Buffer {
  const spki = asnCertificate(pem).tbsCertificate.subjectPublicKeyInfo;
  return createHash('sha1').update(Buffer.from(spki.subjectPublicKey)).digest();
}

function extension<T>(pem: string, id: string, type: new () => T): T {
  const ext = asnCertificate(pem).tbsCertificate.extensions!.find((e) => e.extnID === id);
  assert.ok(ext, `extension ${id} present`);
  return AsnConvert.parse(ext.extnValue, type);
}

describe('qaznet-2019', () => {
  test('root equals the real Qaznet Trust Network root field by field, except key and signature', () => {
    assertSameButKey(qaznet.root.certPem, fixturePem('qaznet-2019'));
  });

  test('root carries the recorded facts (docs/campaigns.md §1.5)', () => {
    const tbs = asnCertificate(qaznet.root.certPem).tbsCertificate;
    assert.equal(der(tbs.subject).toString('base64'), QAZNET_NAME_B64);
    assert.equal(der(tbs.issuer).toString('base64'), QAZNET_NAME_B64);
    assert.equal(Buffer.from(tbs.serialNumber).toString('hex'), '3d957fca1f8c0fc8692c01994eb55231035b9df1');
    assert.equal(Buffer.from(tbs.serialNumber).toString('base64'), 'PZV/yh+MD8hpLAGZTrVSMQNbnfE=');
    const cert = new X509Certificate(qaznet.root.certPem);
    assert.equal(new Date(cert.validFrom).toISOString(), '2016-02-02T05:41:00.000Z');
    assert.equal(new Date(cert.validTo).toISOString(), '2046-02-02T05:41:00.000Z');
    assert.deepEqual(keyDetails(der(tbs.subjectPublicKeyInfo)), { type: 'rsa', bits: 4096, exponent: 65537n });
    assert.ok(cert.verify(cert.publicKey), 'self-signed');
    const bc = extension(qaznet.root.certPem, asn1.id_ce_basicConstraints, asn1.BasicConstraints);
    assert.equal(bc.cA, true);
    assert.equal(bc.pathLenConstraint, undefined);
    const ski = extension(qaznet.root.certPem, asn1.id_ce_subjectKeyIdentifier, asn1.SubjectKeyIdentifier);
    assert.deepEqual(Buffer.from(ski.buffer), keyIdOf(qaznet.root.certPem));
    const aki = extension(qaznet.root.certPem, asn1.id_ce_authorityKeyIdentifier, asn1.AuthorityKeyIdentifier);
    assert.deepEqual(Buffer.from(aki.keyIdentifier!.buffer), keyIdOf(qaznet.root.certPem));
    assert.equal(aki.authorityCertIssuer, undefined, 'keyid-only AKI, like the real root');
  });

  test('openssl, as an independent parser, prints the same certificate text apart from key material', () => {
    const normalise = (text: string) =>
      text
        .replace(/Serial Number:\s*\n\s*/, 'Serial Number: ')
        .replace(/(Modulus:\n)(\s+[0-9a-f:]+\n)+/, '$1<modulus>\n')
        .replace(/(Signature Value:\n)(\s+[0-9a-f:]+\n?)+/, '$1<signature>\n')
        .replace(/([0-9A-F]{2}:){19}[0-9A-F]{2}/g, '<key id>');
    const made = normalise(opensslText(qaznet.root.certPem));
    assert.equal(made, normalise(opensslText(fixturePem('qaznet-2019'))));
    assert.match(made, /Non Repudiation, Certificate Sign, CRL Sign/);
  });

  test('the "Security Certificate" intermediate: RSA-2048, about 3 years, signed by the root', () => {
    assert.equal(qaznet.intermediates.length, 1);
    const pem = qaznet.intermediates[0]!.certPem;
    const cert = new X509Certificate(pem);
    assert.equal(cert.subject, 'C=KZ\nCN=Security Certificate');
    assert.equal(cert.issuer, 'C=KZ\nCN=Qaznet Trust Network');
    assert.ok(cert.verify(new X509Certificate(qaznet.root.certPem).publicKey));
    assert.deepEqual(keyDetails(asnCertificateSpki(pem)), { type: 'rsa', bits: 2048, exponent: 65537n });
    const days = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86_400_000;
    assert.equal(days, 3 * 365);
    assert.ok(Date.parse(cert.validFrom) <= now.getTime() && now.getTime() < Date.parse(cert.validTo), 'valid at creation time');
    assert.ok(cert.ca);
    const aki = extension(pem, asn1.id_ce_authorityKeyIdentifier, asn1.AuthorityKeyIdentifier);
    assert.deepEqual(Buffer.from(aki.keyIdentifier!.buffer), keyIdOf(qaznet.root.certPem));
    assert.ok(opensslVerify(qaznet.root.certPem, '', pem).ok);
  });

  test('keys are fresh every time', async () => {
    // same code path as the national presets (mintRoot → a new key), without another RSA-4096
    const [a, b] = await Promise.all([createAuthority('lab-public', { now }), createAuthority('lab-public', { now })]);
    assert.notEqual(spkiSha256(a.root.certPem).hex, spkiSha256(b.root.certPem).hex);
    assert.notEqual(spkiSha256(a.intermediates[0]!.certPem).hex, spkiSha256(b.intermediates[0]!.certPem).hex);
    // and never the real key (its SPKI hash is what Chromium blocks)
    assert.notEqual(spkiSha256(qaznet.root.certPem).hex, 'b5ba8dd7f89564c2889d3d6453c84998c77824919b64ea0835aa62986591be50');
  });
});

function asnCertificateSpki(pem: string): Buffer {
  return der(asnCertificate(pem).tbsCertificate.subjectPublicKeyInfo);
}

describe('isca-2020', () => {
  test('root equals the real ISCA "CA" root (fixture isca-2020.pem) field by field, except the key', () => {
    assertSameButKey(isca2020.root.certPem, fixturePem('isca-2020'));
  });

  test('AKI carries keyid + issuer DirName + serial, like the real root', () => {
    const aki = extension(isca2020.root.certPem, asn1.id_ce_authorityKeyIdentifier, asn1.AuthorityKeyIdentifier);
    const real = extension(fixturePem('isca-2020'), asn1.id_ce_authorityKeyIdentifier, asn1.AuthorityKeyIdentifier);
    assert.deepEqual(Buffer.from(aki.keyIdentifier!.buffer), keyIdOf(isca2020.root.certPem));
    assert.deepEqual(der(aki.authorityCertIssuer![0]), der(real.authorityCertIssuer![0]));
    assert.deepEqual(Buffer.from(aki.authorityCertSerialNumber!), Buffer.from(real.authorityCertSerialNumber!));
  });

  test('75-day intermediate under the root', () => {
    const cert = new X509Certificate(isca2020.intermediates[0]!.certPem);
    assert.equal((Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86_400_000, 75);
    assert.ok(cert.verify(new X509Certificate(isca2020.root.certPem).publicKey));
    assert.match(cert.subject, /O=ISCA/);
  });
});

describe('isca-2024', () => {
  test('root has the isca.gov.kz root facts (§1.9, 3472e4f1…): DN, serial, dates, RSA-4096', () => {
    const tbs = asnCertificate(isca2024.root.certPem).tbsCertificate;
    const cert = new X509Certificate(isca2024.root.certPem);
    assert.equal(cert.subject, 'CN=Information Security Certification Authority\nO=ISCA\nC=KZ');
    assert.equal(Buffer.from(tbs.serialNumber).toString('hex'), '6c47089c34a88e43dde0dee30661558da9cb2e70');
    assert.equal(new Date(cert.validFrom).toISOString(), '2020-02-28T07:04:41.000Z');
    assert.equal(new Date(cert.validTo).toISOString(), '2050-02-28T07:04:41.000Z');
    assert.ok(tbs.validity.notAfter.generalTime, 'a 2050 date must be GeneralizedTime (RFC 5280 §4.1.2.5)');
    assert.equal(keyDetails(der(tbs.subjectPublicKeyInfo)).bits, 4096);
    // same extension profile as the 2020 root
    const ids = (pem: string) => asnCertificate(pem).tbsCertificate.extensions!.map((e) => `${e.extnID}/${e.critical}`);
    assert.deepEqual(ids(isca2024.root.certPem), ids(fixturePem('isca-2020')));
    assert.equal((Date.parse(new X509Certificate(isca2024.intermediates[0]!.certPem).validTo) - Date.parse(new X509Certificate(isca2024.intermediates[0]!.certPem).validFrom)) / 86_400_000, 75);
  });
});

describe('lab-public and generic', () => {
  test('lab-public: EC root and issuing CA, chain verifies', async () => {
    const pub = await createAuthority('lab-public', { now });
    assert.equal(pub.intermediates.length, 1);
    assert.equal(keyDetails(asnCertificateSpki(pub.root.certPem)).curve, 'secp384r1');
    assert.equal(keyDetails(asnCertificateSpki(pub.intermediates[0]!.certPem)).curve, 'prime256v1');
    assert.ok(opensslVerify(pub.root.certPem, '', pub.intermediates[0]!.certPem).ok);
  });

  test('generic: DN, key type, validity, pathLen and name constraints as asked', async () => {
    const ca = await createAuthority('generic', {
      now,
      generic: { subject: 'CN=Corp Inspection CA, O=Corp, C=US', keyType: 'ed25519', validityDays: 7, pathLen: 1, permittedDns: ['corp.test'], excludedDns: ['secret.corp.test'] },
    });
    const cert = new X509Certificate(ca.root.certPem);
    assert.equal(cert.subject, 'CN=Corp Inspection CA\nO=Corp\nC=US');
    assert.equal(cert.publicKey.asymmetricKeyType, 'ed25519');
    assert.equal((Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86_400_000, 7);
    assert.equal(ca.intermediates.length, 0);
    const bc = extension(ca.root.certPem, asn1.id_ce_basicConstraints, asn1.BasicConstraints);
    assert.equal(bc.pathLenConstraint, 1);
    const nc = extension(ca.root.certPem, asn1.id_ce_nameConstraints, asn1.NameConstraints);
    assert.deepEqual([...nc.permittedSubtrees!].map((s) => s.base.dNSName), ['corp.test']);
    assert.deepEqual([...nc.excludedSubtrees!].map((s) => s.base.dNSName), ['secret.corp.test']);
    assert.ok(asnCertificate(ca.root.certPem).tbsCertificate.extensions!.find((e) => e.extnID === asn1.id_ce_nameConstraints)!.critical);
    assert.match(opensslText(ca.root.certPem), /Permitted:\s+DNS:corp\.test\s+Excluded:\s+DNS:secret\.corp\.test/);
  });

  test('generic defaults: ECDSA P-256, 30 days', async () => {
    const ca = await createAuthority('generic', { now });
    const cert = new X509Certificate(ca.root.certPem);
    assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.equal((Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86_400_000, 30);
  });

  for (const keyType of ['rsa2048', 'rsa3072', 'ecdsa-p384'] as const) {
    test(`generic ${keyType} key`, async () => {
      const ca = await createAuthority('generic', { now, generic: { keyType } });
      const d = keyDetails(asnCertificateSpki(ca.root.certPem));
      if (keyType === 'ecdsa-p384') assert.equal(d.curve, 'secp384r1');
      else assert.equal(d.bits, Number(keyType.slice(3)));
    });
  }

  test('unknown preset is a UserError naming every valid preset', async () => {
    await assert.rejects(createAuthority('qaznet-2018'), (err: unknown) => {
      assert.ok(err instanceof UserError);
      assert.match(err.message, /unknown preset "qaznet-2018"; valid presets: qaznet-2019, isca-2020, isca-2024, lab-public, generic/);
      return true;
    });
    await assert.rejects(createAuthority('generic', { generic: { validityDays: 0 } }), UserError);
    await assert.rejects(createAuthority('generic', { generic: { subject: 'CN=Ä' , keyType: 'rsa9' as never } }), UserError);
  });
});
