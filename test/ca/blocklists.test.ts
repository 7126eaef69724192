import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  KNOWN_INTERCEPTION_SPKIS,
  KAZAKH_INTERCEPTION_SPKIS,
  encodeCrlSet,
  decodeCrlSet,
  crlSetComponentFiles,
  oneCrlRecord,
  spkiSha256,
  parseSpkiHash,
} from '../../lab/ca/index.ts';
import { UserError } from '../../harness/errors.ts';
import { fixturePem } from './helpers.ts';

describe('known-interception data set', () => {
  test('10 real Kazakh SPKIs and 2 badssl test ones; hex and base64 agree', () => {
    assert.equal(KAZAKH_INTERCEPTION_SPKIS.length, 10);
    assert.equal(KNOWN_INTERCEPTION_SPKIS.filter((e) => e.test).length, 2);
    for (const entry of KNOWN_INTERCEPTION_SPKIS) {
      assert.equal(Buffer.from(entry.spkiSha256Hex, 'hex').toString('base64'), entry.spkiSha256Base64, entry.subject);
      assert.ok(entry.source.length > 0);
    }
    assert.equal(new Set(KNOWN_INTERCEPTION_SPKIS.map((e) => e.spkiSha256Hex)).size, 12);
  });

  test('the real roots in test/fixtures hash to their entries', () => {
    const qaznet = spkiSha256(fixturePem('qaznet-2019'));
    const isca = spkiSha256(fixturePem('isca-2020'));
    const q = KNOWN_INTERCEPTION_SPKIS.find((e) => e.spkiSha256Hex === qaznet.hex);
    const i = KNOWN_INTERCEPTION_SPKIS.find((e) => e.spkiSha256Hex === isca.hex);
    assert.equal(q?.certSha256, '00309c736dd661da6f1eb24173aa849944c168a43a15bffd192eecfdb6f8dbd2');
    assert.equal(q?.knownInterceptionList, false, 'Qaznet is on the block list only');
    assert.equal(i?.certSha256, '61c0fc2e38b5b6f9071b42cee54a9013d858b6697c68b460948551b3249576a1');
    assert.equal(i?.knownInterceptionList, true);
    assert.equal(qaznet.base64, 'tbqN1/iVZMKInT1kU8hJmMd4JJGbZOoINapimGWRvlA=');
  });
});

describe('CRLSet', () => {
  test('decodes Chromium\'s built-in empty CRLSet bytes', () => {
    const builtin = Buffer.from('\x31\x00{"ContentType":"CRLSet","Sequence":0,"Version":0}', 'latin1');
    const decoded = decodeCrlSet(builtin);
    assert.equal(decoded.sequence, 0);
    assert.deepEqual(decoded.parents, []);
    assert.deepEqual(decoded.blockedSpkis, []);
  });

  test('layout: uint16le header length, JSON header, then parent blocks', () => {
    const parent = 'b5ba8dd7f89564c2889d3d6453c84998c77824919b64ea0835aa62986591be50';
    const bytes = encodeCrlSet({ sequence: 7, parents: [{ spki: parent, serials: ['0102', 'ff'] }] });
    const headerLength = bytes.readUInt16LE(0);
    const header = JSON.parse(bytes.subarray(2, 2 + headerLength).toString('utf8'));
    assert.equal(header.Version, 0);
    assert.equal(header.ContentType, 'CRLSet');
    assert.equal(header.Sequence, 7);
    assert.equal(header.NumParents, 1);
    const body = bytes.subarray(2 + headerLength);
    assert.equal(body.subarray(0, 32).toString('hex'), parent);
    assert.equal(body.readUInt32LE(32), 2);
    assert.deepEqual([...body.subarray(36)], [2, 1, 2, 1, 0xff]);
  });

  test('round trip of every field', () => {
    const options = {
      sequence: 6313,
      notAfter: 1_900_000_000,
      blockedSpkis: ['tbqN1/iVZMKInT1kU8hJmMd4JJGbZOoINapimGWRvlA='],
      knownInterceptionSpkis: ['pOmvAUFuOgKbXTXlsRneAM/hVsXPlfyCPPbQXjwagjc='],
      blockedInterceptionSpkis: ['8e12d0cb3b7df3ea2257579489fd8658c95603ea6cf4b73163a41eb7b7e93fee'],
      limitedSubjects: { 'MCwxCzAJBgNVBAYTAktaMR0wGwYDVQQDExRRYXpuZXQgVHJ1c3QgTmV0d29yaw==': ['sPzOeMFmTik1RMFD49Jon3I/W25jFxB+Fj0iuoBpeUo='] },
      parents: [
        { spki: 'b0fcce78c1664e293544c143e3d2689f723f5b6e6317107e163d22ba8069794a', serials: ['3d957fca1f8c0fc8692c01994eb55231035b9df1', '01'] },
        { spki: parseSpkiHash('a4e9af01416e3a029b5d35e5b119de00cfe156c5cf95fc823cf6d05e3c1a8237'), serials: [] },
      ],
    };
    const decoded = decodeCrlSet(encodeCrlSet(options));
    assert.equal(decoded.sequence, 6313);
    assert.equal(decoded.notAfter, 1_900_000_000);
    assert.deepEqual(decoded.blockedSpkis, options.blockedSpkis);
    assert.deepEqual(decoded.knownInterceptionSpkis, options.knownInterceptionSpkis);
    assert.deepEqual(decoded.blockedInterceptionSpkis, ['jhLQyzt98+oiV1eUif2GWMlWA+ps9LcxY6Qet7fpP+4=']);
    assert.deepEqual(decoded.limitedSubjects, options.limitedSubjects);
    assert.deepEqual(decoded.parents, [
      { spkiSha256Hex: 'b0fcce78c1664e293544c143e3d2689f723f5b6e6317107e163d22ba8069794a', serials: ['3d957fca1f8c0fc8692c01994eb55231035b9df1', '01'] },
      { spkiSha256Hex: 'a4e9af01416e3a029b5d35e5b119de00cfe156c5cf95fc823cf6d05e3c1a8237', serials: [] },
    ]);
  });

  test('a CRLSet built from the real Kazakh hashes, the way Chromium shipped them (seq 6313)', () => {
    const blocked = KAZAKH_INTERCEPTION_SPKIS.filter((e) => !e.knownInterceptionList).map((e) => e.spkiSha256Hex);
    const blockedInterception = KAZAKH_INTERCEPTION_SPKIS.filter((e) => e.knownInterceptionList).map((e) => e.spkiSha256Base64);
    const decoded = decodeCrlSet(encodeCrlSet({ sequence: 6313, blockedSpkis: blocked, blockedInterceptionSpkis: blockedInterception }));
    assert.deepEqual(decoded.blockedSpkis, ['tbqN1/iVZMKInT1kU8hJmMd4JJGbZOoINapimGWRvlA=']);
    assert.equal(decoded.blockedInterceptionSpkis.length, 9);
    assert.ok(decoded.blockedInterceptionSpkis.includes('jhLQyzt98+oiV1eUif2GWMlWA+ps9LcxY6Qet7fpP+4='));
    assert.ok(decoded.blockedInterceptionSpkis.includes('NHLk8WxXDg3TiKqqSmSjSkuTnxyncJlrW+ADfBre2cE='));
  });

  test('rejects what Chromium would reject, with a message', () => {
    const withHeader = (h: string, tail = Buffer.alloc(0)) => {
      const json = Buffer.from(h);
      const len = Buffer.alloc(2);
      len.writeUInt16LE(json.length);
      return Buffer.concat([len, json, tail]);
    };
    assert.throws(() => decodeCrlSet(withHeader('{"Version":1,"ContentType":"CRLSet","Sequence":1}')), /Version is 1, must be 0/);
    assert.throws(() => decodeCrlSet(withHeader('{"Version":0,"ContentType":"CRL","Sequence":1}')), /ContentType/);
    assert.throws(() => decodeCrlSet(withHeader('{"Version":0,"ContentType":"CRLSet"}')), /Sequence/);
    assert.throws(() => decodeCrlSet(withHeader('{"Version":0,"ContentType":"CRLSet","Sequence":1}', Buffer.alloc(20))), /truncated parent/);
    assert.throws(() => decodeCrlSet(Buffer.from([0xff, 0xff, 0x7b])), /runs past the end/);
    assert.throws(() => decodeCrlSet(withHeader('not json')), (err: unknown) => err instanceof UserError && /not JSON/.test(err.message));
    // trailing commas are fine for Chromium's JSON reader
    assert.equal(decodeCrlSet(withHeader('{"Version":0,"ContentType":"CRLSet","Sequence":3,"BlockedSPKIs":[],}')).sequence, 3);
    assert.throws(() => encodeCrlSet({ sequence: 1, blockedSpkis: ['abc'] }), UserError);
    assert.throws(() => encodeCrlSet({ sequence: -1 }), UserError);
  });

  test('component directory files', () => {
    const { dir, files } = crlSetComponentFiles(encodeCrlSet({ sequence: 1 }), '9999.0.0');
    assert.equal(dir, 'CertificateRevocation/9999.0.0');
    assert.deepEqual(Object.keys(files).sort(), ['crl-set', 'manifest.json']);
    assert.deepEqual(JSON.parse(files['manifest.json']!.toString()), { manifest_version: 2, name: 'CRLSet', version: '9999.0.0' });
  });
});

describe('OneCRL', () => {
  test('a record for the real Qaznet root has the real issuerName and serialNumber (bug 1569803)', () => {
    const record = oneCrlRecord(fixturePem('qaznet-2019'));
    assert.ok('issuerName' in record);
    assert.equal(record.issuerName, 'MCwxCzAJBgNVBAYTAktaMR0wGwYDVQQDExRRYXpuZXQgVHJ1c3QgTmV0d29yaw==');
    assert.equal(record.serialNumber, 'PZV/yh+MD8hpLAGZTrVSMQNbnfE=');
    assert.equal(record.enabled, true);
    assert.match(record.id, /^[0-9a-f-]{36}$/);
    assert.match(record.details.created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  test('subject + pubKeyHash form', () => {
    const record = oneCrlRecord(fixturePem('isca-2020'), { form: 'subject-key' });
    assert.ok('pubKeyHash' in record);
    assert.equal(record.pubKeyHash, 'jhLQyzt98+oiV1eUif2GWMlWA+ps9LcxY6Qet7fpP+4=');
    assert.equal(Buffer.from(record.subject, 'base64').length, 88);
  });
});
