import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { crossVantageDetector } from '../../lab/detectors/builtin/cross-vantage.ts';
import { ttlHopDetector } from '../../lab/detectors/builtin/ttl-hop.ts';
import type { Evidence } from '../../lab/detectors/evidence.ts';
import type { Finding, Verdict } from '../../lab/detectors/types.ts';
import { cell, direct, intercepted, makeLab, originOf, type Lab } from './helpers/cells.ts';

let lab: Lab;
let kz: Evidence;
let clean: Evidence;
let originChain: string[];
before(async () => {
  lab = await makeLab();
  const origin = await originOf(lab.publicCa, 'www.youtube.com');
  originChain = [origin.certPem];
  kz = cell({ site: 'www.youtube.com', intercepted: true, served: await intercepted(lab.kzCa, 'kz-2019', origin, 'www.youtube.com'), lab });
  clean = cell({ site: 'www.youtube.com', intercepted: false, served: { chainPem: originChain, originCertPem: origin.certPem }, lab });
});

function verdict(finding: Finding): Verdict {
  assert.ok(!('skipped' in finding), `expected a verdict, got skip: ${JSON.stringify(finding)}`);
  return finding as Verdict;
}

test('cross-vantage: the client saw a forged leaf, the outside vantage saw the origin: flagged', () => {
  const finding = verdict(crossVantageDetector().inspect({ ...kz, probes: { crossVantage: { chainPem: originChain } } }) as Finding);
  assert.equal(finding.flagged, true);
  assert.match(finding.reason, /Security Certificate/);
});

test('cross-vantage: both vantage points saw the origin leaf: not flagged', () => {
  const finding = verdict(crossVantageDetector().inspect({ ...clean, probes: { crossVantage: { chainPem: originChain } } }) as Finding);
  assert.equal(finding.flagged, false);
});

test('cross-vantage: two different legitimate origins (a CDN edge with its own key) is a limit: flagged', async () => {
  const otherEdge = await direct(lab.publicCa, 'www.youtube.com');
  const finding = verdict(crossVantageDetector().inspect({ ...clean, probes: { crossVantage: { chainPem: otherEdge.chainPem } } }) as Finding);
  assert.equal(finding.flagged, true, 'Hyperquack compares keys; a second legitimate key looks like a substitution');
});

test('cross-vantage: skipped on loopback and when the probe is absent, with the reason', () => {
  const loopback = crossVantageDetector().inspect({ ...kz, probes: { crossVantage: { skipped: 'loopback has one path' } } }) as Finding;
  assert.deepEqual(loopback, { skipped: 'cross-vantage probe skipped: loopback has one path' });
  const absent = crossVantageDetector().inspect(kz) as Finding;
  assert.ok('skipped' in absent);
});

test('ttl-hop: a certificate from two hops before the origin is flagged', () => {
  const finding = verdict(ttlHopDetector().inspect({ ...kz, probes: { ttl: { interceptorHop: 2, originHop: 4 } } }) as Finding);
  assert.equal(finding.flagged, true);
  assert.match(finding.reason, /2 hop\(s\) before the origin/);
});

test('ttl-hop: the first certificate at the origin hop is not flagged', () => {
  const finding = verdict(ttlHopDetector().inspect({ ...clean, probes: { ttl: { interceptorHop: 4, originHop: 4 } } }) as Finding);
  assert.equal(finding.flagged, false);
});

test('ttl-hop: skipped without the netns probe, or when nothing answered', () => {
  assert.ok('skipped' in (ttlHopDetector().inspect(kz) as Finding));
  assert.deepEqual(ttlHopDetector().inspect({ ...kz, probes: { ttl: { skipped: 'loopback runtime: no routers' } } }), {
    skipped: 'TTL probe skipped: loopback runtime: no routers',
  });
  assert.ok('skipped' in (ttlHopDetector().inspect({ ...kz, probes: { ttl: { interceptorHop: null, originHop: 3 } } }) as Finding));
});
