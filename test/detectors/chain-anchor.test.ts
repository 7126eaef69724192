import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { rootCertificates } from 'node:tls';
import { createAuthority, issueServerCertificate } from '../../lab/ca/index.ts';
import { chainAnchorDetector } from '../../lab/detectors/builtin/chain-anchor.ts';
import { splitPem } from '../../lab/detectors/certificates.ts';
import type { Evidence } from '../../lab/detectors/evidence.ts';
import type { Finding, Verdict } from '../../lab/detectors/types.ts';
import { cell, direct, intercepted, makeLab, originOf, type Lab } from './helpers/cells.ts';

let lab: Lab;
let kzLoaded: Evidence;
let kzRefused: Evidence;
let clean: Evidence;
before(async () => {
  lab = await makeLab();
  const origin = await originOf(lab.publicCa, 'www.facebook.com');
  const forged = await intercepted(lab.kzCa, 'kz-2019', origin, 'www.facebook.com');
  kzLoaded = cell({ site: 'www.facebook.com', intercepted: true, served: forged, lab });
  kzRefused = cell({ site: 'www.facebook.com', state: 'not-installed', intercepted: true, served: forged, lab, outcome: 'refused' });
  clean = cell({ site: 'control.example.kz', intercepted: false, served: await direct(lab.publicCa, 'control.example.kz'), lab });
});

function verdict(finding: Finding): Verdict {
  assert.ok(!('skipped' in finding), `expected a verdict, got skip: ${JSON.stringify(finding)}`);
  return finding as Verdict;
}

test('a kz-2019 chain the client accepted ends at the installed Qaznet root: flagged', async () => {
  const finding = verdict(await chainAnchorDetector().inspect(kzLoaded));
  assert.equal(finding.flagged, true);
  assert.ok(finding.confidence >= 0.9);
  assert.match(finding.reason, /Qaznet Trust Network/);
  assert.match(finding.reason, /accepted/);
});

test('the same chain refused by the client is still flagged, with less confidence', async () => {
  const finding = verdict(await chainAnchorDetector().inspect(kzRefused));
  assert.equal(finding.flagged, true);
  assert.ok(finding.confidence < 0.9);
});

test('a lab-public origin chain validates to the public store: not flagged', async () => {
  const finding = verdict(await chainAnchorDetector().inspect(clean));
  assert.equal(finding.flagged, false);
  assert.match(finding.reason, /Lab Public Root/);
});

test('the same clean chain without the lab-public root in the store is flagged (the store decides)', async () => {
  const finding = verdict(await chainAnchorDetector().inspect({ ...clean, publicAnchorsPem: [] }));
  assert.equal(finding.flagged, true);
});

test('a corporate root installed on purpose: flagged unless the operator allows it', async () => {
  const corp = await createAuthority('generic', { generic: { subject: 'CN=Corp Root, O=Corp, C=US', keyType: 'ecdsa-p256' } });
  const intranet = await issueServerCertificate(corp, { names: ['intranet.corp.test'] });
  const evidence = cell({
    site: 'intranet.corp.test',
    intercepted: false,
    served: { chainPem: splitPem(intranet.chainPem), originCertPem: intranet.certPem },
    lab,
  });
  assert.equal(verdict(await chainAnchorDetector().inspect(evidence)).flagged, true, 'without an allow-list it is a false positive');
  const allowed = verdict(await chainAnchorDetector({ allowedAnchorsPem: [corp.root.certPem] }).inspect(evidence));
  assert.equal(allowed.flagged, false);
  assert.match(allowed.reason, /allowed private root/);
});

test('a laundering middlebox (self-signed origin, forged valid leaf) is flagged', async () => {
  const badOrigin = await originOf(lab.publicCa, 'expired.example.test', { selfSigned: true });
  const box = await createAuthority('generic');
  const laundered = await intercepted(box, 'modern', badOrigin, 'expired.example.test');
  const finding = verdict(await chainAnchorDetector().inspect(cell({ site: 'expired.example.test', intercepted: true, served: laundered, lab })));
  assert.equal(finding.flagged, true);
  assert.match(finding.reason, /Generic Interception CA|outside the public store/);
});

test("Node's bundled Mozilla roots count as public unless turned off", async () => {
  const mozillaRoot = rootCertificates[0]!;
  const evidence: Evidence = { ...clean, chainPem: [mozillaRoot] };
  assert.equal(verdict(await chainAnchorDetector().inspect(evidence)).flagged, false);
  assert.equal(verdict(await chainAnchorDetector({ includeMozillaRoots: false }).inspect(evidence)).flagged, true);
});

test('a served intermediate that did not sign the leaf makes the chain broken, flagged with low confidence', async () => {
  const lookalike = await createAuthority('qaznet-2019');
  const evidence: Evidence = { ...kzLoaded, chainPem: [kzLoaded.chainPem![0]!, lookalike.intermediates[0]!.certPem] };
  const finding = verdict(await chainAnchorDetector().inspect(evidence));
  assert.equal(finding.flagged, true);
  assert.match(finding.reason, /does not validate/);
  assert.ok(finding.confidence <= 0.6);
});

test('without chainPem it falls back to the observed root SPKI, and skips when that is missing too', async () => {
  const { chainPem: _dropped, ...noChain } = kzLoaded;
  const withRoot: Evidence = {
    ...noChain,
    observation: { ...kzLoaded.observation, chain: { ...kzLoaded.observation.chain!, rootSpkiSha256: 'tbqN1/iVZMKInT1kU8hJmMd4JJGbZOoINapimGWRvlA=' } },
  };
  assert.equal(verdict(await chainAnchorDetector().inspect(withRoot)).flagged, true);
  const bare: Evidence = { ...noChain, observation: { outcome: 'refused', durationMs: 1 } };
  const skipped = await chainAnchorDetector().inspect(bare);
  assert.ok('skipped' in skipped);
});
