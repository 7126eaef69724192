/**
 * Progress on stderr: in a pipe plain text, one line per finished unit; on a terminal one live
 * line (cells done/total, failures, running units, ETA) that is cleared before the table prints
 * and when the run ends; dots, one per cell.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReporterSet, type ReporterName } from '../../harness/report/reporters.ts';
import type { RunPlan, UnitRef } from '../../harness/report/reporter.ts';
import { clock, ProgressTracker } from '../../harness/report/progress/tracker.ts';
import { checkDetectors } from '../../harness/runner/detector-checks.ts';
import type { Lang } from '../../harness/i18n/lang.ts';
import { context, fakeStream, row, runOf } from './helpers/runs.ts';

const rows = [
  row({ state: 'not-installed', client: 'curl', site: 'vk.com', expected: 'exit-60', actual: { outcome: 'refused', error: 'exit-60', chain: null } }),
  row({ state: 'not-installed', client: 'curl', site: 'control.example.kz', expected: 'loaded' }),
  row({ state: 'not-installed', client: 'wget', site: 'vk.com', expected: 'exit-5', pass: false }),
  row({ state: 'not-installed', client: 'wget', site: 'control.example.kz', expected: 'loaded' }),
  row({ state: 'installed', client: 'java', site: 'vk.com', expected: 'loaded', pass: false, skipped: 'java is not installed' }),
  row({ state: 'installed', client: 'java', site: 'control.example.kz', expected: 'loaded', pass: false, skipped: 'java is not installed' }),
];
const run = runOf(rows);
const unit = (client: string, state = 'not-installed'): UnitRef => ({ scenario: 'demo', state, client, sites: ['vk.com', 'control.example.kz'] });

/** Feeds a run through the reporters the way `tlslab run` does; the java unit is left for the scenario's end to hand over. */
function feed(names: ReporterName[], { tty = false, lang = 'en' as Lang } = {}) {
  const log: string[] = [];
  const stdout = fakeStream('stdout', log, tty);
  const stderr = fakeStream('stderr', log, tty);
  const reporters = new ReporterSet(names, context(lang, '/nonexistent', stdout, stderr));
  const plan: RunPlan = { command: 'run', runtime: 'loopback', outDir: '/nonexistent', startedAt: new Date(), cells: 6, scenarios: [{ id: 'demo', states: [], cells: 6 }] };
  reporters.onBegin(plan);
  reporters.onScenarioBegin(plan.scenarios[0]!);
  reporters.onUnitBegin(unit('curl'));
  reporters.onUnitBegin(unit('wget'));
  reporters.unitDone(unit('curl'), rows.slice(0, 2));
  reporters.unitDone(unit('wget'), rows.slice(2, 4));
  reporters.onScenarioEnd(run, checkDetectors([run.result]));
  return { log, stdout, stderr, reporters };
}

test('list (and line without a terminal): one plain line per finished unit, no control characters', () => {
  for (const name of ['list', 'line'] as const) {
    const { stderr } = feed([name]);
    const lines = stderr.text().trimEnd().split('\n');
    assert.equal(lines[0], 'tlslab: running demo on loopback (6 cells)');
    assert.deepEqual(lines.slice(1).map((l) => l.replace(/ — .*$/, '')), [
      '[2/6] ✓ demo not-installed/curl: 2 passed, 0 failed, 0 skipped',
      '[4/6] ✗ demo not-installed/wget: 1 passed, 1 failed, 0 skipped',
      '[6/6] – demo installed/java: 0 passed, 0 failed, 2 skipped',
    ]);
    assert.doesNotMatch(stderr.text(), /[\r\x1b]/);
  }
});

test('line on a terminal: a live status rewritten in place, failures above it, cleared before the table and at the end', async () => {
  const { log, stderr, reporters } = feed(['table', 'line'], { tty: true });
  const status = stderr.text().split('\r\x1b[2K').filter(Boolean);
  assert.ok(status.some((s) => /^\[0\/6\] · no failures · running: not-installed\/curl, not-installed\/wget · ETA —$/.test(s)), status.join('\n'));
  assert.ok(status.some((s) => /^\[4\/6\] · .*1 failed.* · running: — · ETA \d+:\d\d$/.test(s)), status.join('\n'));
  assert.match(stderr.text(), /✗(\x1b\[0m)? demo not-installed wget@vk\.com: expected exit-5, got loaded\n/);
  const table = log.findIndex((entry) => entry.startsWith('stdout:demo (loopback)'));
  assert.ok(table > 0, 'the table printed');
  assert.equal(log[table - 1], 'stderr:\r\x1b[2K', 'the live line was cleared just before it');
  await reporters.onEnd({ runs: [run], verdict: checkDetectors([run.result]), wallMs: 10 });
  assert.ok(!log.at(-1)!.startsWith('stderr:[') && !/\[\d+\/\d+\]/.test(log.at(-1)!), 'nothing of the live line is left at the end');
});

test('dot: one character per cell, a line per scenario; every cell reaches each reporter exactly once', () => {
  const { stderr } = feed(['dot']);
  assert.equal(stderr.text(), '··F·°°\n');
});

test('progress speaks the chosen language', () => {
  const { stderr } = feed(['list'], { lang: 'ru' });
  assert.match(stderr.text(), /^tlslab: запуск demo в среде loopback \(6 ячеек\)\n\[2\/6\] ✓ demo not-installed\/curl: успешно: 2, с ошибкой: 0, пропущено: 0/);
});

test('ETA: the pace so far over what is left; a clock for people', () => {
  let now = 0;
  const tracker = new ProgressTracker(() => now);
  tracker.begin({ command: 'run', outDir: '', startedAt: new Date(), cells: 10, scenarios: [] });
  assert.equal(tracker.etaMs(), undefined);
  now = 4000;
  tracker.unitEnd(unit('curl'), rows.slice(0, 2));
  assert.equal(tracker.etaMs(), 16_000);
  assert.deepEqual([clock(16_000), clock(59_600), clock(3_725_000)], ['0:16', '1:00', '1:02:05']);
});
