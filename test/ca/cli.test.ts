import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { spkiSha256, decodeCrlSet } from '../../lab/ca/index.ts';
import { FIXTURES } from './helpers.ts';

const ENTRY = new URL('./cli-entry.ts', import.meta.url).pathname;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function tlslab(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', ENTRY, ...args], { encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ status: code, stdout, stderr });
    });
  });
}

async function assertUserError(pending: Promise<Run>, message: RegExp): Promise<void> {
  const r = await pending;
  assert.equal(r.status, 2, `exit 2; stderr: ${r.stderr}`);
  assert.match(r.stderr, message);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

let dir: string;
// RSA-4096 generation dominates this file: start both authorities at once, let the tests that do
// not need them run meanwhile
let kzCreated: Promise<Run>;
let pubCreated: Promise<Run>;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tlslab-ca-cli-'));
  kzCreated = tlslab('ca', 'create', '--preset', 'qaznet-2019', '--out', join(dir, 'kz'));
  pubCreated = tlslab('ca', 'create', '--preset', 'lab-public', '--out', join(dir, 'pub'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('tlslab ca / crlset', () => {
  test('ca spki of the real root prints the recorded hash', async () => {
    const r = await tlslab('ca', 'spki', join(FIXTURES, 'qaznet-2019.pem'));
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'b5ba8dd7f89564c2889d3d6453c84998c77824919b64ea0835aa62986591be50\ntbqN1/iVZMKInT1kU8hJmMd4JJGbZOoINapimGWRvlA=\n');
  });

  test('crlset build (hex, base64 and PEM path) then dump', async () => {
    const out = join(dir, 'crl-set');
    const r = await tlslab(
      'crlset', 'build',
      '--blocked-spki', join(FIXTURES, 'qaznet-2019.pem'),
      '--blocked-interception-spki', '8e12d0cb3b7df3ea2257579489fd8658c95603ea6cf4b73163a41eb7b7e93fee',
      '--known-interception-spki', 'pOmvAUFuOgKbXTXlsRneAM/hVsXPlfyCPPbQXjwagjc=',
      '--sequence', '6313', '--out', out,
    );
    assert.equal(r.status, 0, r.stderr);
    const decoded = decodeCrlSet(readFileSync(out));
    assert.equal(decoded.sequence, 6313);
    assert.deepEqual(decoded.blockedSpkis, ['tbqN1/iVZMKInT1kU8hJmMd4JJGbZOoINapimGWRvlA=']);
    assert.deepEqual(decoded.blockedInterceptionSpkis, ['jhLQyzt98+oiV1eUif2GWMlWA+ps9LcxY6Qet7fpP+4=']);
    const dump = await tlslab('crlset', 'dump', out);
    assert.equal(dump.status, 0, dump.stderr);
    const view = JSON.parse(dump.stdout);
    assert.equal(view.blockedSpkis[0].hex, 'b5ba8dd7f89564c2889d3d6453c84998c77824919b64ea0835aa62986591be50');
  });

  test('ca onecrl and ca export', async () => {
    const onecrl = await tlslab('ca', 'onecrl', join(FIXTURES, 'qaznet-2019.pem'));
    assert.equal(onecrl.status, 0, onecrl.stderr);
    assert.equal(JSON.parse(onecrl.stdout).serialNumber, 'PZV/yh+MD8hpLAGZTrVSMQNbnfE=');
    const der = await tlslab('ca', 'export', '--cert', join(FIXTURES, 'isca-2020.pem'), '--format', 'der', '--out', join(dir, 'isca.der'));
    assert.equal(der.status, 0, der.stderr);
    assert.equal(spkiSha256(readFileSync(join(dir, 'isca.der'))).hex, '8e12d0cb3b7df3ea2257579489fd8658c95603ea6cf4b73163a41eb7b7e93fee');
  });

  test('ca create qaznet-2019 → ca.pem, ca.key 0600, chain.pem; prints the root SPKI', async () => {
    const r = await kzCreated;
    assert.equal(r.status, 0, r.stderr);
    const rootPem = readFileSync(join(dir, 'kz', 'ca.pem'), 'utf8');
    assert.equal(new X509Certificate(rootPem).subject, 'C=KZ\nCN=Qaznet Trust Network');
    assert.equal(statSync(join(dir, 'kz', 'ca.key')).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'kz', 'issuing.key')).mode & 0o777, 0o600);
    assert.match(readFileSync(join(dir, 'kz', 'chain.pem'), 'utf8'), /BEGIN CERTIFICATE/);
    const hash = spkiSha256(rootPem);
    assert.ok(r.stdout.includes(hash.hex) && r.stdout.includes(hash.base64), r.stdout);
  });

  test('ca create lab-public, ca issue, ca forge --from: kz-2019 leaf with the upstream names', async () => {
    assert.equal((await pubCreated).status, 0);
    await kzCreated;
    const issued = await tlslab('ca', 'issue', '--ca', join(dir, 'pub'), '--name', 'www.google.com', '--name', 'google.com', '--out', join(dir, 'origin'));
    assert.equal(issued.status, 0, issued.stderr);
    const forged = await tlslab('ca', 'forge', '--ca', join(dir, 'kz'), '--profile', 'kz-2019', '--from', join(dir, 'origin', 'cert.pem'), '--out', join(dir, 'leaf'));
    assert.equal(forged.status, 0, forged.stderr);
    const leaf = new X509Certificate(readFileSync(join(dir, 'leaf', 'leaf.pem')));
    assert.equal(leaf.subject, 'CN=www.google.com');
    assert.equal(leaf.subjectAltName, 'DNS:www.google.com, DNS:google.com');
    assert.equal(leaf.publicKey.asymmetricKeyDetails?.publicExponent, 3n);
    assert.equal(statSync(join(dir, 'leaf', 'leaf.key')).mode & 0o777, 0o600);
    assert.equal((readFileSync(join(dir, 'leaf', 'chain.pem'), 'utf8').match(/BEGIN CERTIFICATE/g) ?? []).length, 2);
  });

  test('ca forge --sni with a profile that needs no upstream', async () => {
    const r = await tlslab('ca', 'forge', '--ca', join(dir, 'kz'), '--profile', 'modern', '--sni', 'vk.com', '--out', join(dir, 'modern'));
    assert.equal(r.status, 0, r.stderr);
    assert.ok(new X509Certificate(readFileSync(join(dir, 'modern', 'leaf.pem'))).checkHost('vk.com'));
  });

  test('the real bin/tlslab.js mounts the same commands', async (t) => {
    const bin = new URL('../../bin/tlslab.js', import.meta.url).pathname;
    const r = await new Promise<Run>((resolve) => {
      execFile(process.execPath, [bin, 'ca', 'spki', join(FIXTURES, 'isca-2020.pem')], { encoding: 'utf8' }, (err, stdout, stderr) =>
        resolve({ status: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }),
      );
    });
    // the full CLI also loads modules other engineers are still writing in this tree
    const foreign = /ERR_MODULE_NOT_FOUND[\s\S]*imported from (?!.*lab\/ca\/)/.exec(r.stderr);
    if (r.status !== 0 && foreign) return t.skip(`bin/tlslab.js does not load for a reason outside lab/ca: ${r.stderr.split('\n').find((l) => l.includes('ERR_MODULE_NOT_FOUND'))}`);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '8e12d0cb3b7df3ea2257579489fd8658c95603ea6cf4b73163a41eb7b7e93fee\njhLQyzt98+oiV1eUif2GWMlWA+ps9LcxY6Qet7fpP+4=\n');
  });

  describe('bad input: exit 2, a message, no stack trace', () => {
    before(() => kzCreated);
    test('unknown preset lists the valid ones', async () => {
      await assertUserError(tlslab('ca', 'create', '--preset', 'qaznet', '--out', join(dir, 'x')), /unknown preset "qaznet"; valid presets: qaznet-2019, isca-2020, isca-2024, lab-public, generic/);
    });
    test('unknown profile lists the valid ones', async () => {
      await assertUserError(tlslab('ca', 'forge', '--ca', join(dir, 'kz'), '--profile', 'burp', '--sni', 'a.test', '--out', join(dir, 'y')), /valid profiles: modern, kz-2019, mitmproxy-like, mockttp-like, per-host-key/);
    });
    test('missing and invalid PEM files are named with the problem', async () => {
      writeFileSync(join(dir, 'junk.pem'), '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n');
      writeFileSync(join(dir, 'key-only.pem'), '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n');
      await Promise.all([
        assertUserError(tlslab('ca', 'spki', join(dir, 'missing.pem')), new RegExp(`${join(dir, 'missing.pem')}: cannot read \\(no such file\\)`)),
        assertUserError(tlslab('ca', 'spki', join(dir, 'junk.pem')), /junk\.pem: not a valid X\.509 certificate/),
        assertUserError(tlslab('ca', 'forge', '--ca', join(dir, 'kz'), '--profile', 'kz-2019', '--from', join(dir, 'key-only.pem'), '--out', join(dir, 'z')), /key-only\.pem: PEM contains no CERTIFICATE block/),
        assertUserError(tlslab('ca', 'forge', '--ca', join(dir, 'nope'), '--profile', 'modern', '--sni', 'a.test', '--out', join(dir, 'z')), /nope\/ca\.pem: cannot read/),
      ]);
    });
    test('forge needs --from or --sni; crlset rejects bad hashes and bad files', async () => {
      await Promise.all([
        assertUserError(tlslab('ca', 'forge', '--ca', join(dir, 'kz'), '--profile', 'modern', '--out', join(dir, 'z')), /--from UPSTREAM\.pem or --sni HOST/),
        assertUserError(tlslab('crlset', 'build', '--blocked-spki', 'deadbeef', '--out', join(dir, 'c')), /"deadbeef" is neither a SPKI SHA-256/),
        assertUserError(tlslab('crlset', 'dump', join(FIXTURES, 'qaznet-2019.pem')), /qaznet-2019\.pem: not a valid CRLSet/),
        assertUserError(tlslab('ca', 'create', '--preset', 'qaznet-2019', '--key-type', 'rsa2048', '--out', join(dir, 'w')), /apply to --preset generic only/),
      ]);
    });
  });
});
