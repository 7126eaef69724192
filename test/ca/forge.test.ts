import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import * as asn1 from '@peculiar/asn1-x509';
import {
  createAuthority,
  createForger,
  forgeLeaf,
  issueServerCertificate,
  spkiSha256,
  PROFILE_NAMES,
  type AuthorityMaterial,
} from '../../lab/ca/index.ts';
import { randomiseSerialTail, getProfile } from '../../lab/ca/profiles/index.ts';
import { UserError } from '../../harness/errors.ts';
import { x509 } from '../../lab/ca/x509.ts';
import { readUpstream } from '../../lab/ca/upstream.ts';
import { KeyPool } from '../../lab/ca/key-pool.ts';
import { asnCertificate, der, fixturePem, keyDetails, opensslText, opensslVerify } from './helpers.ts';

const HOUR = 3_600_000;
const DAY = 86_400_000;
const now = new Date('2026-11-23T08:00:00Z');
const clock = () => now;

let kz: AuthorityMaterial;
let pub: AuthorityMaterial;
let upstreamPem: string;
let upstreamDer: Buffer;

before(async () => {
  [kz, pub] = await Promise.all([createAuthority('qaznet-2019', { now }), createAuthority('lab-public', { now })]);
  const origin = await issueServerCertificate(pub, { names: ['www.facebook.com', 'facebook.com', 'm.facebook.com'], keyType: 'rsa2048', now });
  upstreamPem = origin.certPem;
  upstreamDer = Buffer.from(new X509Certificate(upstreamPem).raw);
});

const leafOf = (chainPem: string) => chainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n/)![0];
const extIds = (pem: string) => [...(asnCertificate(pem).tbsCertificate.extensions ?? [])].map((e) => e.extnID);
const spkiDer = (pem: string) => der(asnCertificate(pem).tbsCertificate.subjectPublicKeyInfo);

describe('origin certificates (lab-public)', () => {
  test('carry SAN, serverAuth EKU, AIA, CRL DP, policy and an SCT list; chain verifies to lab-public', async () => {
    const ids = extIds(upstreamPem);
    for (const id of ['2.5.29.17', '2.5.29.37', '1.3.6.1.5.5.7.1.1', '2.5.29.31', '2.5.29.32', '1.3.6.1.4.1.11129.2.4.2']) {
      assert.ok(ids.includes(id), `origin has ${id}`);
    }
    const text = opensslText(upstreamPem);
    assert.match(text, /CT Precertificate SCTs:[\s\S]*Signed Certificate Timestamp:[\s\S]*Signed Certificate Timestamp:/);
    assert.match(text, /TLS Web Server Authentication/);
    assert.match(text, /DNS:www\.facebook\.com, DNS:facebook\.com, DNS:m\.facebook\.com/);
    const origin = await issueServerCertificate(pub, { names: ['www.example.test'] });
    assert.equal(origin.chainPem, origin.certPem + pub.intermediates[0]!.certPem);
    assert.ok(opensslVerify(pub.root.certPem, pub.intermediates[0]!.certPem, origin.certPem, ['-purpose', 'sslserver', '-verify_hostname', 'www.example.test']).ok);
    assert.equal(keyDetails(spkiDer(origin.certPem)).curve, 'prime256v1');
    assert.equal(createPublicKey(createPrivateKey(origin.keyPem)).export({ type: 'spki', format: 'der' }).equals(spkiDer(origin.certPem)), true);
  });

  test('bad origins: expired, not yet valid, self-signed, wrong host', async () => {
    const expired = await issueServerCertificate(pub, { names: ['old.example.test'], validity: 'expired' });
    assert.match(opensslVerify(pub.root.certPem, pub.intermediates[0]!.certPem, expired.certPem).output, /certificate has expired/);
    const future = await issueServerCertificate(pub, { names: ['new.example.test'], validity: 'not-yet-valid' });
    assert.match(opensslVerify(pub.root.certPem, pub.intermediates[0]!.certPem, future.certPem).output, /not yet valid/);
    const self = await issueServerCertificate(pub, { names: ['self.example.test'], selfSigned: true });
    const selfCert = new X509Certificate(self.certPem);
    assert.equal(selfCert.issuer, selfCert.subject);
    assert.ok(selfCert.verify(selfCert.publicKey));
    assert.equal(self.chainPem, self.certPem);
    assert.ok(!opensslVerify(pub.root.certPem, pub.intermediates[0]!.certPem, self.certPem).ok);
    const wrong = await issueServerCertificate(pub, { names: ['other.example.test'] });
    assert.match(opensslVerify(pub.root.certPem, pub.intermediates[0]!.certPem, wrong.certPem, ['-verify_hostname', 'www.example.test']).output, /hostname mismatch/);
  });
});

describe('kz-2019', () => {
  test('copies subject and SAN bytes from upstream, not from the SNI', async () => {
    const leaf = await forgeLeaf(kz, 'kz-2019', { sni: 'facebook.com', upstreamDer }, { now: clock });
    const made = asnCertificate(leaf.leafPem).tbsCertificate;
    const real = asnCertificate(upstreamPem).tbsCertificate;
    assert.deepEqual(der(made.subject), der(real.subject));
    const san = (tbs: asn1.TBSCertificate) => tbs.extensions!.find((e) => e.extnID === '2.5.29.17')!;
    assert.deepEqual(der(san(made)), der(san(real)));
    assert.equal(leaf.certificate.subject, 'CN=www.facebook.com', 'CN comes from upstream even though SNI was facebook.com');
  });

  test('every other extension is stripped: no SCTs, AIA, CRL DP, EKU, KU, BC, SKI, AKI', async () => {
    const leaf = await forgeLeaf(kz, 'kz-2019', { sni: 'www.facebook.com', upstreamDer }, { now: clock });
    assert.deepEqual(extIds(leaf.leafPem), ['2.5.29.17']);
    assert.doesNotMatch(opensslText(leaf.leafPem), /CT Precertificate SCTs|Authority Information Access/);
  });

  test('host-specific RSA-2048 key with e=3, reused for the same host, different for another', async () => {
    const a = await forgeLeaf(kz, 'kz-2019', { sni: 'vk.com', upstreamDer }, { now: clock });
    const b = await forgeLeaf(kz, 'kz-2019', { sni: 'vk.com', upstreamDer }, { now: clock });
    const c = await forgeLeaf(kz, 'kz-2019', { sni: 'ok.ru', upstreamDer }, { now: clock });
    assert.deepEqual(keyDetails(spkiDer(a.leafPem)), { type: 'rsa', bits: 2048, exponent: 3n });
    assert.equal(a.leafSpkiSha256, b.leafSpkiSha256, 'same host, same key');
    assert.notEqual(a.leafSpkiSha256, c.leafSpkiSha256, 'other host, other key');
    assert.equal(a.leafSpkiSha256, spkiSha256(a.leafPem).base64);
    assert.equal(createPublicKey(createPrivateKey(a.keyPem)).export({ type: 'spki', format: 'der' }).equals(spkiDer(a.leafPem)), true);
  });

  test('option: 1024-bit keys (before 2019-07-19)', async () => {
    const leaf = await forgeLeaf(kz, 'kz-2019', { sni: 'early.example', upstreamDer }, { now: clock, kz2019: { modulusLength: 1024 } });
    assert.deepEqual(keyDetails(spkiDer(leaf.leafPem)), { type: 'rsa', bits: 1024, exponent: 3n });
  });

  test('validity = upstream shifted 6 h back; 24 h as an option', async () => {
    const up = new X509Certificate(upstreamPem);
    const six = new X509Certificate((await forgeLeaf(kz, 'kz-2019', { sni: 'www.facebook.com', upstreamDer }, { now: clock })).leafPem);
    assert.equal(Date.parse(up.validFrom) - Date.parse(six.validFrom), 6 * HOUR);
    assert.equal(Date.parse(up.validTo) - Date.parse(six.validTo), 6 * HOUR);
    const day = new X509Certificate((await forgeLeaf(kz, 'kz-2019', { sni: 'www.facebook.com', upstreamDer }, { now: clock, kz2019: { shiftHours: 24 } })).leafPem);
    assert.equal(Date.parse(up.validFrom) - Date.parse(day.validFrom), 24 * HOUR);
  });

  test('serial = upstream serial with exactly the last 33 bits randomised', async () => {
    const up = BigInt('0x' + new X509Certificate(upstreamPem).serialNumber);
    const mask = (1n << 33n) - 1n;
    const tails = new Set<bigint>();
    for (let i = 0; i < 6; i++) {
      const leaf = await forgeLeaf(kz, 'kz-2019', { sni: 'www.facebook.com', upstreamDer }, { now: clock });
      const serial = BigInt('0x' + leaf.certificate.serialNumber);
      assert.equal(serial & ~mask, up & ~mask, 'high bits kept');
      tails.add(serial & mask);
    }
    assert.ok(tails.size >= 5, 'tails vary');
  });

  test('randomiseSerialTail touches only the given bits', () => {
    const ones = (n: number) => Buffer.alloc(n, 0xff);
    assert.equal(randomiseSerialTail('00000000000000', 33, ones), '000001ffffffff');
    assert.equal(randomiseSerialTail('ffffffffffffff', 33, (n) => Buffer.alloc(n, 0)), 'fffffe00000000');
    assert.equal(randomiseSerialTail('0000', 33, (n) => Buffer.alloc(n, 0)), '0001', 'never an all-zero serial');
  });

  test('chain: leaf → Security Certificate → Qaznet root, verified by openssl', async () => {
    const leaf = await forgeLeaf(kz, 'kz-2019', { sni: 'www.facebook.com', upstreamDer }, { now: clock });
    assert.equal(leaf.certificate.issuer, 'C=KZ, CN=Security Certificate');
    assert.equal(leaf.chainPem, leaf.leafPem + kz.intermediates[0]!.certPem);
    const result = opensslVerify(kz.root.certPem, kz.intermediates[0]!.certPem, leaf.leafPem, ['-attime', String(now.getTime() / 1000)]);
    assert.ok(result.ok, result.output);
  });

  test('without an upstream certificate it falls back to the SNI', async () => {
    const leaf = await forgeLeaf(kz, 'kz-2019', { sni: 'twitter.com' }, { now: clock });
    assert.equal(leaf.certificate.subject, 'CN=twitter.com');
    assert.deepEqual(extIds(leaf.leafPem), ['2.5.29.17']);
  });
});

describe('mitmproxy-like', () => {
  test('leaf public key is the issuing CA key; CN, O and all SANs copied; 199 days backdated 2 days', async () => {
    const leaf = await forgeLeaf(kz, 'mitmproxy-like', { sni: 'facebook.com', upstreamDer }, { now: clock });
    assert.deepEqual(spkiDer(leaf.leafPem), spkiDer(kz.intermediates[0]!.certPem));
    assert.equal(leaf.keyPem, kz.intermediates[0]!.keyPem);
    assert.equal(leaf.certificate.subject, 'CN=www.facebook.com');
    const text = opensslText(leaf.leafPem);
    for (const name of ['facebook.com', 'www.facebook.com', 'm.facebook.com']) assert.match(text, new RegExp(`DNS:${name.replace(/\./g, '\\.')}(,|\\n)`));
    const cert = new X509Certificate(leaf.leafPem);
    assert.equal(now.getTime() - Date.parse(cert.validFrom), 2 * DAY);
    assert.equal(Date.parse(cert.validTo) - Date.parse(cert.validFrom), 199 * DAY);
    assert.match(text, new RegExp(`URI:http://pki\\.lab-public\\.test/mitmproxy-${new X509Certificate(kz.intermediates[0]!.certPem).serialNumber.toLowerCase()}\\.crl`, 'i'));
    assert.ok(!extIds(leaf.leafPem).includes('1.3.6.1.4.1.11129.2.4.2'), 'no SCTs');
  });

  test('copies O when upstream has one', async () => {
    const org = await createAuthority('generic', { now, generic: { subject: 'CN=www.bank.test, O=Bank JSC, C=KZ' } });
    const leaf = await forgeLeaf(kz, 'mitmproxy-like', { sni: 'www.bank.test', upstreamDer: Buffer.from(new X509Certificate(org.root.certPem).raw) }, { now: clock });
    assert.equal(leaf.certificate.subject, 'CN=www.bank.test, O=Bank JSC');
  });
});

describe('mockttp-like', () => {
  test('one shared key across hosts, C=XX, 45 days backdated 1 day', async () => {
    const forger = await createForger(kz, 'mockttp-like', { now: clock });
    const a = await forger.forge({ sni: 'a.example' });
    const b = await forger.forge({ sni: 'b.example' });
    const other = await createForger(kz, 'mockttp-like', { now: clock });
    const c = await other.forge({ sni: 'c.example' });
    assert.equal(a.leafSpkiSha256, b.leafSpkiSha256);
    assert.equal(a.leafSpkiSha256, c.leafSpkiSha256, 'shared per process, not per forger');
    assert.equal(a.keyPem, b.keyPem);
    const cert = new X509Certificate(leafOf(a.chainPem));
    assert.equal(cert.subject, 'C=XX\nCN=a.example');
    assert.equal(now.getTime() - Date.parse(cert.validFrom), DAY);
    assert.equal(Date.parse(cert.validTo) - Date.parse(cert.validFrom), 45 * DAY);
    assert.equal(keyDetails(spkiDer(leafOf(a.chainPem))).bits, 2048);
  });
});

describe('per-host-key', () => {
  test('new RSA-2048 key per host, 1 year', async () => {
    const a = await forgeLeaf(kz, 'per-host-key', { sni: 'one.example' }, { now: clock });
    const b = await forgeLeaf(kz, 'per-host-key', { sni: 'two.example' }, { now: clock });
    const a2 = await forgeLeaf(kz, 'per-host-key', { sni: 'one.example' }, { now: clock });
    assert.notEqual(a.leafSpkiSha256, b.leafSpkiSha256);
    assert.equal(a.leafSpkiSha256, a2.leafSpkiSha256);
    assert.deepEqual(keyDetails(spkiDer(a.leafPem)), { type: 'rsa', bits: 2048, exponent: 65537n });
    const cert = new X509Certificate(a.leafPem);
    assert.equal(Date.parse(cert.validTo) - Date.parse(cert.validFrom), 365 * DAY);
    assert.ok(cert.checkHost('one.example'));
  });
});

describe('modern and the Forger', () => {
  test('ECDSA P-256, fresh key per leaf, SAN from SNI, 90 days; verifies for the SNI', async () => {
    const forger = await createForger(kz, 'modern', { now: clock, poolSize: 2 });
    await forger.warm();
    const a = await forger.forge({ sni: 'www.google.com', upstreamDer });
    const b = await forger.forge({ sni: 'mail.google.com' });
    assert.notEqual(a.leafSpkiSha256, b.leafSpkiSha256);
    const pem = leafOf(a.chainPem);
    assert.equal(keyDetails(spkiDer(pem)).curve, 'prime256v1');
    const cert = new X509Certificate(pem);
    assert.equal(Date.parse(cert.validTo) - Date.parse(cert.validFrom), 90 * DAY);
    assert.ok(cert.checkHost('www.google.com'));
    const r = opensslVerify(kz.root.certPem, kz.intermediates[0]!.certPem, pem, ['-purpose', 'sslserver', '-verify_hostname', 'www.google.com', '-attime', String(now.getTime() / 1000)]);
    assert.ok(r.ok, r.output);
  });

  test('cache: same profile + SNI (+ upstream for upstream-based profiles) is served from cache', async () => {
    const forger = await createForger(kz, 'modern', { now: clock });
    const first = await forger.forge({ sni: 'cache.example' });
    const second = await forger.forge({ sni: 'CACHE.example' });
    assert.equal(first.cached, false);
    assert.equal(second.cached, true);
    assert.equal(second.chainPem, first.chainPem);
    assert.deepEqual(forger.stats, { forged: 1, cached: 1 });

    const kzForger = await createForger(kz, 'kz-2019', { now: clock });
    const other = await issueServerCertificate(pub, { names: ['www.facebook.com'], now });
    const x = await kzForger.forge({ sni: 'www.facebook.com', upstreamDer });
    const y = await kzForger.forge({ sni: 'www.facebook.com', upstreamDer: Buffer.from(new X509Certificate(other.certPem).raw) });
    const z = await kzForger.forge({ sni: 'www.facebook.com', upstreamDer });
    assert.equal(y.cached, false, 'a different upstream certificate is a different leaf');
    assert.notEqual(x.chainPem, y.chainPem);
    assert.equal(z.cached, true);
  });

  test('unknown profile: UserError listing every profile', async () => {
    await assert.rejects(createForger(kz, 'sslsplit'), (err: unknown) => {
      assert.ok(err instanceof UserError);
      assert.match(err.message, new RegExp(`valid profiles: ${PROFILE_NAMES.join(', ')}`));
      return true;
    });
    assert.throws(() => getProfile(''), UserError);
  });

  test('garbage upstream DER is a UserError, not a crash', async () => {
    const forger = await createForger(kz, 'kz-2019');
    await assert.rejects(forger.forge({ sni: 'x.example', upstreamDer: Buffer.from('not a certificate') }), UserError);
  });

  test('profiles are pure: the same input and randomness give the same plan', () => {
    const issuerCert = new X509Certificate(kz.intermediates[0]!.certPem);
    const issuer = { name: new x509.Name(issuerCert.subject.split('\n').join(', ')), serialHex: issuerCert.serialNumber, spkiDer: spkiDer(kz.intermediates[0]!.certPem) };
    const upstream = readUpstream(upstreamDer);
    for (const name of PROFILE_NAMES) {
      const plan = () => getProfile(name).plan({ sni: 'pure.example', upstream, issuer, now, randomBytes: (n) => Buffer.alloc(n, 7) }, {});
      const [p, q] = [plan(), plan()];
      assert.equal(p.serialHex, q.serialHex, name);
      assert.equal(p.notBefore.getTime(), q.notBefore.getTime(), name);
      assert.equal(p.subject.toString(), q.subject.toString(), name);
      assert.deepEqual(p.key, q.key, name);
      const bytes = (list: ReturnType<typeof p.extensions>) => list.map((e) => (e instanceof Uint8Array ? Buffer.from(e) : Buffer.from(e.rawData)));
      assert.deepEqual(bytes(p.extensions(spkiDer(upstreamPem))), bytes(q.extensions(spkiDer(upstreamPem))), name);
    }
  });
});

describe('key pool and upstream reader', () => {
  test('a warm pool serves keys without generating until it falls to the low-water mark', async () => {
    const pool = new KeyPool({ type: 'ecdsa-p256' }, { size: 4, lowWater: 2 });
    await pool.warm();
    assert.equal(pool.available, 4);
    const first = await pool.take();
    assert.equal(pool.available, 3);
    assert.equal(pool.generating, 0, 'no generation above the low-water mark');
    const second = await pool.take();
    assert.notDeepEqual(first.spkiDer, second.spkiDer);
    assert.equal(pool.available, 2);
    assert.ok(pool.generating > 0, 'refill starts at the low-water mark');
    await pool.warm();
    assert.equal(pool.available, 4);
    // an empty pool still answers, by waiting for a generation
    const empty = new KeyPool({ type: 'ecdsa-p256' }, { size: 1 });
    assert.equal((await empty.take()).algorithm.name, 'ECDSA');
  });

  test('readUpstream agrees with full parsers on the real roots', () => {
    for (const name of ['qaznet-2019', 'isca-2020'] as const) {
      const pem = fixturePem(name);
      const native = new X509Certificate(pem);
      const view = readUpstream(native.raw);
      assert.equal(view.serialHex.toUpperCase(), native.serialNumber);
      assert.equal(view.notBefore.getTime(), Date.parse(native.validFrom));
      assert.equal(view.notAfter.getTime(), Date.parse(native.validTo));
      assert.deepEqual(view.subjectDer, der(asnCertificate(pem).tbsCertificate.subject));
      const ku = view.extension('2.5.29.15');
      assert.equal(ku?.critical, true);
      assert.equal(view.extension('2.5.29.19')?.value.toString('hex'), '30030101ff');
      assert.equal(view.extension('2.5.29.17'), undefined);
    }
    assert.throws(() => readUpstream(Buffer.from([0x30, 0x82, 0xff])), UserError);
  });
});
