/**
 * The line reporter: on a terminal one live status line on stderr — cells done/total, failures so
 * far, the units running, an ETA — rewritten in place, with each failure printed above it as it
 * happens. It clears itself before anything else prints (a scenario's table) and when the run
 * ends, so it never corrupts the output around it. Without a terminal it is the list reporter:
 * one plain line per finished unit, no control characters.
 */
import type { ResultRow } from '../../runner/results.ts';
import { flakyReason, isFlaky, rowName, rowReason, statusOf } from '../cells.ts';
import type { Reporter, ReporterContext } from '../reporter.ts';
import { listReporter, scenarioLine } from './list.ts';
import { clock, ProgressTracker, unitName } from './tracker.ts';

const CLEAR_LINE = '\r\x1b[2K';
const REDRAW_MS = 1000;

function fit(text: string, columns: number): string {
  const chars = [...text];
  return chars.length < columns ? text : `${chars.slice(0, Math.max(1, columns - 2)).join('')}…`;
}

export function lineReporter(context: ReporterContext): Reporter {
  const { stderr, tr } = context;
  if (!stderr.isTTY) return listReporter(context);
  const tracker = new ProgressTracker();
  const color = !process.env.NO_COLOR;
  let shown = false;
  let paused = true;
  let runtime: string | undefined;
  let timer: NodeJS.Timeout | undefined;

  const clear = () => {
    if (shown) stderr.write(CLEAR_LINE);
    shown = false;
  };
  const status = () => {
    const eta = tracker.etaMs();
    const parts = [
      `[${tracker.done}/${tracker.total}]`,
      tracker.failed > 0 ? (color ? `\x1b[31m${tr.t('progress.failed', { count: tracker.failed })}\x1b[0m` : tr.t('progress.failed', { count: tracker.failed })) : tr.t('progress.noFailures'),
      tr.t('progress.running', { units: tracker.runningUnits().map(unitName).join(', ') || '—' }),
      eta === undefined ? tr.t('progress.etaUnknown') : tr.t('progress.eta', { time: clock(eta) }),
    ];
    return parts.join(' · ');
  };
  const draw = () => {
    if (paused) return;
    // colour codes take no columns, but counting them keeps the line safely short
    stderr.write(`${CLEAR_LINE}${fit(status(), stderr.columns || 80)}`);
    shown = true;
  };
  const failureLines = (unit: { scenario: string }, rows: readonly ResultRow[]) =>
    [
      ...rows.filter((r) => statusOf(r) === 'fail').map((r) => `${color ? '\x1b[31m✗\x1b[0m' : '✗'} ${unit.scenario} ${rowName(r)}: ${rowReason(r, tr)}\n`),
      ...rows.filter(isFlaky).map((r) => `${color ? '\x1b[33m±\x1b[0m' : '±'} ${unit.scenario} ${rowName(r)}: ${flakyReason(r, tr)}\n`),
    ];

  return {
    onBegin(plan) {
      tracker.begin(plan);
      runtime = plan.runtime;
      timer = setInterval(draw, REDRAW_MS).unref();
    },
    onScenarioBegin(scenario) {
      clear();
      stderr.write(scenarioLine(context, scenario.id, scenario.cells, runtime));
      paused = false;
      draw();
    },
    onUnitBegin(unit) {
      tracker.unitBegin(unit);
      draw();
    },
    onUnitEnd(unit, rows) {
      tracker.unitEnd(unit, rows);
      const failures = failureLines(unit, rows);
      if (failures.length > 0) {
        clear();
        stderr.write(failures.join(''));
      }
      draw();
    },
    onScenarioEnd() {
      clear();
      paused = true;
    },
    onEnd() {
      if (timer) clearInterval(timer);
      clear();
      paused = true;
    },
  };
}
