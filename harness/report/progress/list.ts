/**
 * The list reporter: one plain line per finished unit, `[12/40] ✓ kz-2019-qaznet not-installed/curl:
 * 5 passed, 0 failed, 0 skipped — 3.2 s`. No cursor movement, ever: the same text on a terminal
 * (with colour) as in a pipe or a CI log.
 */
import { tally, type ResultRow } from '../../runner/results.ts';
import { isFlaky } from '../cells.ts';
import type { Reporter, ReporterContext, UnitRef } from '../reporter.ts';
import { ProgressTracker, unitName } from './tracker.ts';

const MARK_COLOR = { '✓': '\x1b[32m', '✗': '\x1b[31m', '–': '\x1b[2m' } as const;

export function unitLine(context: ReporterContext, tracker: ProgressTracker, unit: UnitRef, rows: readonly ResultRow[], ms: number | undefined, color: boolean): string {
  const { tr } = context;
  const t = tally(rows);
  const mark = t.failed > 0 ? '✗' : t.skipped === t.total ? '–' : '✓';
  const width = String(tracker.total).length;
  const flaky = rows.filter(isFlaky).length;
  const counts = tr.t('progress.counts', { passed: t.passed, failed: t.failed, skipped: t.skipped }) + (flaky > 0 ? `, ${tr.t('progress.flaky', { count: flaky })}` : '');
  const time = ms === undefined ? '' : ` — ${tr.seconds(ms)}`;
  const painted = color ? `${MARK_COLOR[mark]}${mark}\x1b[0m` : mark;
  return `[${String(tracker.done).padStart(width)}/${tracker.total}] ${painted} ${unit.scenario} ${unitName(unit)}: ${counts}${time}`;
}

export function scenarioLine(context: ReporterContext, scenario: string, cells: number, runtime: string | undefined): string {
  return `tlslab: ${context.tr.t(runtime ? 'progress.scenarioOn' : 'progress.scenario', { scenario, runtime: runtime ?? '', count: cells })}\n`;
}

export function listReporter(context: ReporterContext): Reporter {
  const tracker = new ProgressTracker();
  const color = Boolean(context.stderr.isTTY) && !process.env.NO_COLOR;
  let runtime: string | undefined;
  return {
    onBegin(plan) {
      tracker.begin(plan);
      runtime = plan.runtime;
    },
    onScenarioBegin(scenario) {
      context.stderr.write(scenarioLine(context, scenario.id, scenario.cells, runtime));
    },
    onUnitBegin: (unit) => tracker.unitBegin(unit),
    onUnitEnd(unit, rows) {
      const { ms } = tracker.unitEnd(unit, rows);
      context.stderr.write(unitLine(context, tracker, unit, rows, ms, color) + '\n');
    },
  };
}
