/**
 * A small kz-2019-style grid built the way the harness builds it: a record per cell (the box's
 * events on the cell's own connection), truth and served chain read from the record, evidence
 * without either, scored end to end, and checked against the results.json contract.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import type { CellRecord, LabEngineEvent } from '../../lab/runtime/types.ts';
import { cellTruth, servedChain } from '../../lab/runtime/cell-truth.ts';
import type { CellTruth } from '../../lab/detectors/truth.ts';
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
const truths = new Map<Evidence, CellTruth>();
const truthOf = (e: Evidence): CellTruth => truths.get(e)!;

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
      const events: LabEngineEvent[] = [
        { type: 'accepted', conn, time: conn, door: 'sni', local: '127.0.100.1:4433', remote: `127.0.0.1:${40000 + conn}` },
        { type: 'client-hello', conn, time: conn, sni: site, ja4: 't13d3112h2_e8f1e7e78f70_b26ce05bbdd6' },
        { type: 'decision', conn, time: conn, action: target ? 'intercept' : 'passthrough', reason: target ? 'target' : 'not-a-target' },
        ...(target ? [{ type: 'served' as const, conn, time: conn, forged: true as const, sni: site, chainPem: served.chainPem }] : []),
      ];
      const record: CellRecord = {
        cell: { state, client: 'curl', site, attempt: 1 },
        startedAt: conn,
        endedAt: conn + 1,
        connections: [{ conn, events }],
        originContacts: [],
        originVisits: [],
        // what the origin itself serves: for the control its whole chain (leaf + intermediate)
        originChainPem: target ? [origin.certPem] : served.chainPem,
      };
      const refused = target && state === 'not-installed';
      const observation: Observation = refused ? { outcome: 'refused', error: 'exit-60', durationMs: 9 } : { outcome: 'loaded', status: 200, durationMs: 9 };
      const evidence = buildEvidence({
        scenario: 'kz-2019-qaznet',
        state,
        client: 'curl',
        site,
        observation,
        servedChainPem: servedChain(record)!,
        originCertPem: origin.certPem,
        publicAnchorsPem: [lab.publicAnchorsPem[0]!],
        probes: { crossVantage: { skipped: 'loopback runtime: one path' }, ttl: { skipped: 'loopback runtime: no routers' } },
      });
      truths.set(evidence, cellTruth(record));
      grid.push(evidence);
    }
  }
  const detectors = builtinDetectors({ knownInterception: { extra: [{ spkiSha256: rootSpki(lab.kzCa), label: 'lab Qaznet root' }] } });
  scores = scoreDetectors(await inspectAll(detectors, grid), truthOf);
});

function score(name: string): DetectorScore {
  const found = scores.find((s) => s.name === name);
  assert.ok(found, name);
  return found;
}

test("ground truth comes from each cell's record: a served forgery is intercepted, a passthrough is clean", () => {
  assert.deepEqual(
    grid.map((e) => [e.site, truthOf(e).status === 'intercepted']),
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

test("the evidence carries no answer: neither the truth nor the box's decision is in any cell", () => {
  for (const e of grid) {
    const text = JSON.stringify(e);
    assert.doesNotMatch(text, /groundTruth|"decision"|"intercept"|"served"/);
  }
});

test('detectors get frozen evidence: an in-process detector cannot change what the next one or the scoring reads', async () => {
  const vandal = { name: 'vandal', description: 'tries to rewrite the evidence', inspect: (e: Evidence) => {
    (e as { site: string }).site = 'changed';
    return { flagged: true, confidence: 1, reason: 'wrote' };
  } };
  const found = await inspectAll([vandal, ...builtinDetectors()], grid).catch((err: Error) => err);
  assert.ok(found instanceof Error, 'the write throws (strict mode, frozen object)');
  assert.match(found.message, /vandal/);
  assert.equal(grid[0]!.site, TARGETS[0]);
});
