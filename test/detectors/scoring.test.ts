import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { builtinDetectors } from '../../lab/detectors/registry.ts';
import { inspectAll, type CellFindings } from '../../lab/detectors/run.ts';
import { compareToBaseline, precisionOf, recallOf, scoreDetectors, type DetectorScore } from '../../lab/detectors/scoring.ts';
import type { Evidence } from '../../lab/detectors/evidence.ts';
import { clear, flag, skip, type Detector, type Finding } from '../../lab/detectors/types.ts';
import { UserError } from '../../harness/errors.ts';
import { cell, direct, intercepted, makeLab, originOf, truthOf, withTruth } from './helpers/cells.ts';

function fakeCell(site: string, truth: boolean): Evidence {
  return withTruth({ scenario: 's', state: 'installed', client: 'curl', site, observation: { outcome: 'loaded', durationMs: 1 }, origin: {}, publicAnchorsPem: [] }, truth);
}

function findings(rows: [Evidence, Finding][]): CellFindings[] {
  return rows.map(([evidence, finding]) => ({ evidence, findings: [{ detector: 'd', finding }] }));
}

test('TP/FP/TN/FN are counted per cell and skips count in none of them', () => {
  const [score] = scoreDetectors(
    findings([
      [fakeCell('a', true), flag(0.9, 'x')],
      [fakeCell('b', true), flag(0.9, 'x')],
      [fakeCell('c', true), clear(0.5, 'x')],
      [fakeCell('d', false), flag(0.4, 'x')],
      [fakeCell('e', false), clear(0.5, 'x')],
      [fakeCell('f', false), clear(0.5, 'x')],
      [fakeCell('g', true), skip('no probe')],
    ]),
    truthOf,
  );
  assert.ok(score);
  assert.deepEqual([score.tp, score.fp, score.tn, score.fn, score.skipped], [2, 1, 2, 1, 1]);
  assert.equal(score.precision, 2 / 3);
  assert.equal(score.recall, 2 / 3);
  const skipped = score.cells.find((c) => c.site === 'g');
  assert.deepEqual(skipped, { state: 'installed', client: 'curl', site: 'g', truth: true, flagged: null, reason: 'no probe' });
});

test('zero denominators give no ratio: a detector that never fired or saw nothing shows only its counts', () => {
  assert.equal(precisionOf(0, 0), null);
  assert.equal(recallOf(0, 0), null);
  assert.equal(precisionOf(0, 3), 0);
  assert.equal(recallOf(0, 4), 0);
  const [silent] = scoreDetectors(findings([[fakeCell('a', true), clear(0.5, 'x')], [fakeCell('b', false), clear(0.5, 'x')]]), truthOf);
  assert.deepEqual([silent!.precision, silent!.recall], [null, 0]);
  const [allSkipped] = scoreDetectors(findings([[fakeCell('a', true), skip('x')]]), truthOf);
  assert.deepEqual([allSkipped!.tp, allSkipped!.fn, allSkipped!.precision, allSkipped!.recall], [0, 0, null, null]);
});

test('an unreachable cell is never a TP, whatever the detector says: it is excluded and counted apart', () => {
  const unreachable: Evidence = { scenario: 's', state: 'installed', client: 'firefox', site: 'vk.com', observation: { outcome: 'refused', error: 'NS_ERROR_PROXY_CONNECTION_REFUSED', durationMs: 1 }, origin: {}, publicAnchorsPem: [] };
  const truth = (e: Evidence) => (e === unreachable ? { status: 'unreachable' as const, reason: 'no connection of this cell reached the box or the origin' } : truthOf(e));
  const [score] = scoreDetectors(findings([[unreachable, flag(0.9, 'chain ends at Qaznet')], [fakeCell('a', true), flag(0.9, 'x')]]), truth);
  assert.deepEqual([score!.tp, score!.fp, score!.tn, score!.fn, score!.unreachable], [1, 0, 0, 0, 1]);
  const cell = score!.cells.find((c) => c.client === 'firefox');
  assert.equal(cell?.truth, null);
  assert.match(cell?.reason ?? '', /not scored: no connection/);
});

let grid: Evidence[];
let baselineJson: string;
before(async () => {
  const lab = await makeLab();
  const origin = await originOf(lab.publicCa, 'www.facebook.com');
  grid = [
    cell({ site: 'www.facebook.com', intercepted: true, served: await intercepted(lab.kzCa, 'kz-2019', origin, 'www.facebook.com'), lab }),
    cell({ site: 'control.example.kz', intercepted: false, served: await direct(lab.publicCa, 'control.example.kz'), lab }),
  ];
  const scores = scoreDetectors(await inspectAll(builtinDetectors(), grid), truthOf);
  baselineJson = JSON.stringify({ scenario: 'detector-tests', runtime: 'loopback', rows: [], detectors: scores });
});

function replace(detectors: Detector[], name: string, inspect: Detector['inspect']): Detector[] {
  return detectors.map((d) => (d.name === name ? { ...d, inspect } : d));
}

async function scoresWith(detectors: Detector[]): Promise<DetectorScore[]> {
  return scoreDetectors(await inspectAll(detectors, grid), truthOf);
}

test('the same detectors against their own baseline: no regression', async () => {
  const comparison = compareToBaseline(await scoresWith(builtinDetectors()), baselineJson);
  assert.deepEqual(comparison, { lostTruePositives: [], gainedFalsePositives: [], missingDetectors: [], missingCells: [] });
});

test('a detector the baseline scored that did not run now is missing, not silently dropped', async () => {
  const without = builtinDetectors().filter((d) => d.name !== 'tells');
  const comparison = compareToBaseline(await scoresWith(without), baselineJson);
  assert.deepEqual(comparison.missingDetectors, ['tells']);
  assert.equal(comparison.lostTruePositives.length, 0);
});

test('baseline cells absent from this run are listed as missing', async () => {
  const scores = scoreDetectors(await inspectAll(builtinDetectors(), [grid[0]!]), truthOf);
  const comparison = compareToBaseline(scores, baselineJson);
  assert.ok(comparison.missingCells.some((c) => c.detector === 'chain-anchor' && c.site === 'control.example.kz' && c.reason === 'not in this run'));
});

test('chain-anchor broken on purpose (never flags) loses its true positive', async () => {
  const broken = replace(builtinDetectors(), 'chain-anchor', () => clear(0.9, 'broken on purpose'));
  const comparison = compareToBaseline(await scoresWith(broken), baselineJson);
  assert.equal(comparison.gainedFalsePositives.length, 0);
  assert.equal(comparison.lostTruePositives.length, 1);
  const [lost] = comparison.lostTruePositives;
  assert.equal(lost!.detector, 'chain-anchor');
  assert.equal(lost!.site, 'www.facebook.com');
  assert.match(lost!.baselineReason, /Qaznet/);
});

test('tells broken on purpose (flags everything) gains a false positive on the control site', async () => {
  const broken = replace(builtinDetectors(), 'tells', () => flag(0.9, 'broken on purpose'));
  const comparison = compareToBaseline(await scoresWith(broken), baselineJson);
  assert.equal(comparison.lostTruePositives.length, 0);
  assert.deepEqual(comparison.gainedFalsePositives.map((c) => [c.detector, c.site]), [['tells', 'control.example.kz']]);
});

test('a true positive turning into a skip is a loss too', async () => {
  const broken = replace(builtinDetectors(), 'tells', () => skip('evidence went missing'));
  const comparison = compareToBaseline(await scoresWith(broken), JSON.parse(baselineJson));
  assert.deepEqual(comparison.lostTruePositives.map((c) => c.detector), ['tells']);
});

test('a malformed baseline is a user error, not an empty comparison', () => {
  assert.throws(() => compareToBaseline([], '{not json'), UserError);
  assert.throws(() => compareToBaseline([], { detectors: [{ name: 'x' }] }), UserError);
});
