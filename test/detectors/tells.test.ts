import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createAuthority, createForger, issueServerCertificate, type AuthorityMaterial } from '../../lab/ca/index.ts';
import { tellsDetector } from '../../lab/detectors/builtin/tells.ts';
import { splitPem } from '../../lab/detectors/certificates.ts';
import type { Evidence } from '../../lab/detectors/evidence.ts';
import type { Finding, Verdict } from '../../lab/detectors/types.ts';
import { cell, direct, intercepted, makeLab, originOf, type Lab } from './helpers/cells.ts';

let lab: Lab;
let box: AuthorityMaterial;
before(async () => {
  lab = await makeLab();
  box = await createAuthority('generic', { generic: { keyType: 'rsa2048' } });
});

const tells = tellsDetector();

async function verdict(evidence: Evidence, run?: { evidences: Evidence[] }): Promise<Verdict> {
  const finding: Finding = await tells.inspect(evidence, run);
  assert.ok(!('skipped' in finding), `expected a verdict, got skip: ${JSON.stringify(finding)}`);
  return finding as Verdict;
}

test('kz-2019 leaf: e=3, origin window shifted 6 h, SCTs lost, AIA/CRLDP/KU/EKU stripped', async () => {
  const origin = await originOf(lab.publicCa, 'www.facebook.com');
  const forged = await intercepted(lab.kzCa, 'kz-2019', origin, 'www.facebook.com');
  const finding = await verdict(cell({ site: 'www.facebook.com', intercepted: true, served: forged, lab }));
  assert.equal(finding.flagged, true);
  assert.match(finding.reason, /exponent 3/);
  assert.match(finding.reason, /shifted 6 h/);
  assert.match(finding.reason, /no SCTs/);
  assert.match(finding.reason, /missing: AIA, CRLDP, KU, EKU/);
  assert.ok(finding.confidence > 0.99);
});

test('mitmproxy-like leaf carries the CA key and lasts 199 days', async () => {
  const origin = await originOf(lab.publicCa, 'www.google.com');
  const forged = await intercepted(box, 'mitmproxy-like', origin, 'www.google.com');
  const finding = await verdict(cell({ site: 'www.google.com', intercepted: true, served: forged, lab }));
  assert.equal(finding.flagged, true);
  assert.match(finding.reason, /issuing CA's public key/);
  assert.match(finding.reason, /exactly 199 days/);
});

test('mockttp-like: one leaf key across unrelated hosts shows only with the run context', async () => {
  const forger = await createForger(box, 'mockttp-like', { poolSize: 1 });
  const sites = ['www.instagram.com', 'ok.ru'];
  const cells: Evidence[] = [];
  for (const site of sites) {
    const origin = await originOf(lab.publicCa, site);
    cells.push(cell({ site, intercepted: true, served: await intercepted(box, 'mockttp-like', origin, site, forger), lab }));
  }
  const withRun = await verdict(cells[0]!, { evidences: cells });
  assert.match(withRun.reason, /same leaf key also serves unrelated host\(s\) ok\.ru/);
  assert.match(withRun.reason, /exactly 45 days/);
  const alone = await verdict(cells[0]!);
  assert.doesNotMatch(alone.reason, /same leaf key/);
});

test('per-host keys: no shared-key tell between hosts', async () => {
  const forger = await createForger(box, 'per-host-key', { poolSize: 1 });
  const cells: Evidence[] = [];
  for (const site of ['mail.ru', 'tamtam.chat']) {
    const origin = await originOf(lab.publicCa, site);
    cells.push(cell({ site, intercepted: true, served: await intercepted(box, 'per-host-key', origin, site, forger), lab }));
  }
  const finding = await verdict(cells[0]!, { evidences: cells });
  assert.doesNotMatch(finding.reason, /same leaf key/);
});

test('a modern interceptor mimicking the subject is still given away by what it drops', async () => {
  const origin = await originOf(lab.publicCa, 'twitter.com');
  const forged = await intercepted(box, 'modern', origin, 'twitter.com');
  const leafSubject = (await import('node:crypto')).X509Certificate;
  assert.equal(new leafSubject(forged.chainPem[0]!).subject, new leafSubject(origin.certPem).subject, 'subject mimicked');
  const finding = await verdict(cell({ site: 'twitter.com', intercepted: true, served: forged, lab }));
  assert.equal(finding.flagged, true);
  assert.match(finding.reason, /no SCTs/);
  assert.match(finding.reason, /missing: AIA, CRLDP/);
  assert.doesNotMatch(finding.reason, /exponent 3|CA's public key/);
});

test('without the origin certificate the modern leaf shows no tell (origin tells are not guessed)', async () => {
  const origin = await originOf(lab.publicCa, 'twitter.com');
  const forged = await intercepted(box, 'modern', origin, 'twitter.com');
  const { originCertPem: _dropped, ...evidence } = cell({ site: 'twitter.com', intercepted: true, served: forged, lab });
  const finding = await verdict(evidence);
  assert.equal(finding.flagged, false);
  assert.match(finding.reason, /origin tells not checked/);
});

test("the origin's own certificate is clear, also when one multi-name certificate serves several cells", async () => {
  const shared = await issueServerCertificate(lab.publicCa, { names: ['google.com', 'www.google.com'] });
  const served = { chainPem: splitPem(shared.chainPem), originCertPem: shared.certPem };
  const cells = ['google.com', 'www.google.com'].map((site) => cell({ site, intercepted: false, served, lab }));
  for (const evidence of cells) assert.equal((await verdict(evidence, { evidences: cells })).flagged, false);
});

test('a corporate root installed on purpose serving its own intranet site: no tell', async () => {
  const corp = await createAuthority('generic', { generic: { subject: 'CN=Corp Root, O=Corp, C=US', keyType: 'ecdsa-p256' } });
  const served = await direct(corp, 'intranet.corp.test');
  assert.equal((await verdict(cell({ site: 'intranet.corp.test', intercepted: false, served, lab }))).flagged, false);
});

test('laundering middlebox: a self-signed origin re-signed by the box still loses its SCTs and AIA', async () => {
  const badOrigin = await originOf(lab.publicCa, 'self-signed.example.test', { selfSigned: true });
  const laundered = await intercepted(box, 'modern', badOrigin, 'self-signed.example.test');
  const finding = await verdict(cell({ site: 'self-signed.example.test', intercepted: true, served: laundered, lab }));
  assert.equal(finding.flagged, true);
  assert.match(finding.reason, /no SCTs/);
});

test('no chainPem: skipped', async () => {
  const clean = cell({ site: 'control.example.kz', intercepted: false, served: await direct(lab.publicCa, 'control.example.kz'), lab });
  const { chainPem: _dropped, ...evidence } = clean;
  assert.ok('skipped' in (await tells.inspect(evidence)));
});
