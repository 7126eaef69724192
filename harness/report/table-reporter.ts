/** The table reporter: each scenario's grid, detector scores and baseline checks on stdout as the scenario ends. */
import type { Translator } from '../i18n/translate.ts';
import type { BaselineVerdict } from '../runner/detector-checks.ts';
import type { ScenarioRun } from '../runner/run-scenario.ts';
import { baselineProblemLine, renderBaselineVerdict, renderDetectorScores } from './detectors.ts';
import type { Reporter, ReporterContext } from './reporter.ts';
import { renderTable } from './table.ts';
import { renderCard } from './box-cards.ts';

/** The grid, the scores and this scenario's baseline checks, as the table reporter prints them. */
export function renderScenario(run: ScenarioRun, verdict: BaselineVerdict, tr: Translator, terminal: { isTTY?: boolean; columns?: number }): string {
  const color = Boolean(terminal.isTTY) && !process.env.NO_COLOR;
  const scores = renderDetectorScores(run.result.scenario, run.result.detectors, tr);
  return (
    renderTable(run, { color, tr, detectorChecks: verdict.checks, ...(terminal.isTTY && terminal.columns && { width: terminal.columns }) }) +
    '\n' +
    scores +
    renderBaselineVerdict(verdict, run.result.scenario, tr)
  );
}

export function tableReporter(context: ReporterContext): Reporter {
  const { stdout, tr } = context;
  return {
    onScenarioEnd(run, verdict) {
      stdout.write(renderScenario(run, verdict, tr, stdout));
    },
    onEnd({ verdict, boxCards }) {
      if (boxCards?.length) stdout.write(`\n${tr.t('html.boxes')}\n${boxCards.map(renderCard).join('')}`);
      if (verdict.problems.length > 0) stdout.write(verdict.problems.map((p) => `${baselineProblemLine(verdict, p, tr)}\n`).join(''));
    },
  };
}
