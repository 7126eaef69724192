import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { KAZAKH_INTERCEPTION_SPKIS } from '../../lab/ca/known-interception.ts';
import { keyStandIns } from '../../lab/ca/stand-ins.ts';
import { knownInterceptionDetector } from '../../lab/detectors/builtin/known-interception.ts';
import { parseCertificate } from '../../lab/detectors/certificates.ts';
import type { Evidence } from '../../lab/detectors/evidence.ts';
import type { Finding, Verdict } from '../../lab/detectors/types.ts';
import { UserError } from '../../harness/errors.ts';
import { cell, direct, intercepted, makeLab, originOf, rootSpki, type Lab } from './helpers/cells.ts';

const REAL_QAZNET_ROOT = fileURLToPath(new URL('../fixtures/real-roots/qaznet-2019.pem', import.meta.url));

let lab: Lab;
let kz: Evidence;
let clean: Evidence;
before(async () => {
  lab = await makeLab();
  const origin = await originOf(lab.publicCa, 'vk.com');
  kz = cell({ site: 'vk.com', intercepted: true, served: await intercepted(lab.kzCa, 'kz-2019', origin, 'vk.com'), lab });
  clean = cell({ site: 'control.example.kz', intercepted: false, served: await direct(lab.publicCa, 'control.example.kz'), lab });
});

function verdict(finding: Finding): Verdict {
  assert.ok(!('skipped' in finding), `expected a verdict, got skip: ${JSON.stringify(finding)}`);
  return finding as Verdict;
}

test('the default set is lab/ca\'s real Kazakh SPKIs', () => {
  const finding = verdict(knownInterceptionDetector().inspect(clean) as Finding);
  assert.match(finding.reason, new RegExp(`\\(${KAZAKH_INTERCEPTION_SPKIS.length} keys\\)`));
});

test('the real Qaznet root served in the chain is flagged with certainty', { skip: !existsSync(REAL_QAZNET_ROOT) && 'test/fixtures/real-roots/qaznet-2019.pem is missing' }, () => {
  const realRoot = readFileSync(REAL_QAZNET_ROOT, 'utf8');
  const evidence: Evidence = { ...kz, chainPem: [...kz.chainPem!, realRoot] };
  const finding = verdict(knownInterceptionDetector().inspect(evidence) as Finding);
  assert.equal(finding.flagged, true);
  assert.equal(finding.confidence, 1);
  assert.match(finding.reason, /Qaznet Trust Network/);
  assert.equal(parseCertificate(realRoot).spkiSha256, KAZAKH_INTERCEPTION_SPKIS[0]!.spkiSha256Base64);
});

test('a client that reports anchoring to the real Qaznet SPKI is flagged without any PEM', () => {
  const { chainPem: _dropped, ...noChain } = kz;
  const evidence: Evidence = {
    ...noChain,
    observation: { ...kz.observation, chain: { ...kz.observation.chain!, rootSpkiSha256: KAZAKH_INTERCEPTION_SPKIS[0]!.spkiSha256Base64 } },
  };
  assert.equal(verdict(knownInterceptionDetector().inspect(evidence) as Finding).flagged, true);
});

test("the lab's Qaznet look-alike has a fresh key, so the real set does not catch it", () => {
  assert.equal(verdict(knownInterceptionDetector().inspect(kz) as Finding).flagged, false);
});

test('adding the lab rogue SPKIs (hex or base64) as the operator\'s own entries catches it', () => {
  const intermediateHex = parseCertificate(lab.kzCa.intermediates[0]!.certPem).spkiSha256Hex;
  const byIntermediate = knownInterceptionDetector({ extra: [{ spkiSha256: intermediateHex, label: 'lab Security Certificate' }] });
  const finding = verdict(byIntermediate.inspect(kz) as Finding);
  assert.equal(finding.flagged, true);
  assert.match(finding.reason, /lab Security Certificate/);

  const anchored: Evidence = { ...kz, observation: { ...kz.observation, chain: { ...kz.observation.chain!, rootSpkiSha256: rootSpki(lab.kzCa) } } };
  const byRoot = knownInterceptionDetector({ extra: [{ spkiSha256: rootSpki(lab.kzCa), label: 'lab Qaznet root' }] });
  assert.equal(verdict(byRoot.inspect(anchored) as Finding).flagged, true);
  assert.equal(verdict(byRoot.inspect(clean) as Finding).flagged, false);
});

test('a malformed SPKI hash in the options is a user error, not a silent miss', () => {
  assert.throws(() => knownInterceptionDetector({ extra: [{ spkiSha256: 'abc', label: 'typo' }] }), UserError);
});

test('no chain and no observed chain: skipped', () => {
  const { chainPem: _dropped, ...noChain } = clean;
  const finding = knownInterceptionDetector().inspect({ ...noChain, observation: { outcome: 'refused', durationMs: 3 } }) as Finding;
  assert.ok('skipped' in finding);
});

test('a lab copy of a real root stands in for the real key: flagged with stand-ins, clear without, never for other roots', () => {
  const standIns = keyStandIns([lab.kzCa.root.certPem]);
  assert.deepEqual(standIns.map((s) => s.realSpkiSha256), ['tbqN1/iVZMKInT1kU8hJmMd4JJGbZOoINapimGWRvlA='], 'the qaznet-2019 copy maps to the real Qaznet key only');
  assert.deepEqual(keyStandIns([lab.publicCa.root.certPem]), []);
  const withRoot: Evidence = { ...kz, chainPem: [...kz.chainPem!, lab.kzCa.root.certPem] };
  assert.equal(verdict(knownInterceptionDetector().inspect(withRoot) as Finding).flagged, false, 'a fresh key is not the real one');
  const replayed = verdict(knownInterceptionDetector().inspect({ ...withRoot, keyStandIns: standIns }) as Finding);
  assert.equal(replayed.flagged, true);
  assert.match(replayed.reason, /stand-in for the known interception key tbqN1/);
});
