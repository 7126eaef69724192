/**
 * A small kz-2019-style grid built the way the harness builds it (buildEvidence from engine
 * events, served chains and origin views), scored end to end, and checked against the
 * results.json contract.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import type { EngineEvent } from '../../lab/proxy/types.ts';
import type { Observation } from '../../lab/clients/types.ts';
import { buildEvidence } from '../../lab/detectors/build-evidence.ts';
import type { Evidence } from '../../lab/detectors/evidence.ts';
import { builtinDetectors } from '../../lab/detectors/registry.ts';
import { inspectAll } from '../../lab/detectors/run.ts';
import { detectorScoreSchema, scoreDetectors, type DetectorScore } from '../../lab/detectors/scoring.ts';
import { createForger } from '../../lab/ca/index.ts';
import { direct, intercepted, makeLab, originOf, rootSpki } from './helpers/cells.ts';

const TARGETS = ['www.facebook.com', 'vk.com'];
const CONTROL = 'control.example.kz';
let scores: DetectorScore[];
let grid: Evidence[];

before(async () => {
  const lab = await makeLab();
  const forger = await createForger(lab.kzCa, 'kz-2019', { poolSize: 1 });
  grid = [];
  let conn = 0;
  for (const state of ['not-installed', 'installed-after-operator-sms']) {
    for (const site of [...TARGETS, CONTROL]) {
      conn++;
      const target = TARGETS.includes(site);
      const origin = await originOf(lab.publicCa, site);
      const served = target ? await intercepted(lab.kzCa, 'kz-2019', origin, site, forger) : await direct(lab.publicCa, site);
      const events: EngineEvent[] = [
        { type: 'client-hello', conn, time: conn, sni: site, ja4: 't13d3112h2_e8f1e7e78f70_b26ce05bbdd6' },
        { type: 'decision', conn, time: conn, action: target ? 'intercept' : 'passthrough', reason: target ? 'sni in targets' : 'not a target' },
      ];
      const refused = target && state === 'not-installed';
      const observation: Observation = refused ? { outcome: 'refused', error: 'exit-60', durationMs: 9 } : { outcome: 'loaded', status: 200, durationMs: 9 };
      grid.push(
        buildEvidence({
          scenario: 'kz-2019-qaznet',
          state,
          client: 'curl',
          site,
          observation,
          engineEvents: events,
          servedChainPem: served.chainPem.join(''),
          originCertPem: origin.certPem,
          publicAnchorsPem: [lab.publicAnchorsPem[0]!],
          probes: { crossVantage: { skipped: 'loopback runtime: one path' }, ttl: { skipped: 'loopback runtime: no routers' } },
        }),
      );
    }
  }
  const detectors = builtinDetectors({ knownInterception: { extra: [{ spkiSha256: rootSpki(lab.kzCa), label: 'lab Qaznet root' }] } });
  scores = scoreDetectors(await inspectAll(detectors, grid));
});

function score(name: string): DetectorScore {
  const found = scores.find((s) => s.name === name);
  assert.ok(found, name);
  return found;
}

test('ground truth comes from the engine decision: targets intercepted, control passed through', () => {
  assert.deepEqual(
    grid.map((e) => [e.site, e.groundTruth.intercepted]),
    [...TARGETS.map((s) => [s, true]), [CONTROL, false], ...TARGETS.map((s) => [s, true]), [CONTROL, false]],
  );
});

test('chain-anchor and tells catch every intercepted cell with no false positive', () => {
  for (const name of ['chain-anchor', 'tells']) {
    const s = score(name);
    assert.deepEqual([s.tp, s.fp, s.tn, s.fn, s.skipped], [4, 0, 2, 0, 0], name);
    assert.deepEqual([s.precision, s.recall], [1, 1]);
  }
});

test('known-interception only sees the lab root where a client reports anchoring to it', () => {
  // the served chain stops at the intermediate; no rootSpkiSha256 in these observations
  const s = score('known-interception');
  assert.deepEqual([s.tp, s.fn, s.fp], [0, 4, 0]);
});

test('loopback probes and a missing origin ClientHello are skips, not verdicts', () => {
  for (const name of ['cross-vantage', 'ttl-hop', 'ua-vs-clienthello']) {
    const s = score(name);
    assert.equal(s.skipped, grid.length, name);
    assert.equal(s.tp + s.fp + s.tn + s.fn, 0);
  }
});

test('scores match the results.json detectors[] contract', () => {
  for (const s of JSON.parse(JSON.stringify(scores)) as unknown[]) detectorScoreSchema.parse(s);
});

test('no built-in reads the answer: flipping groundTruth changes no finding', async () => {
  const detectors = builtinDetectors();
  const asIs = await inspectAll(detectors, grid);
  const flipped = await inspectAll(detectors, grid.map((e) => ({ ...e, groundTruth: { intercepted: !e.groundTruth.intercepted } })));
  assert.deepEqual(flipped.map((row) => row.findings), asIs.map((row) => row.findings));
});
