/**
 * The json reporter. One scenario: DIR/results.json exactly as docs/cli.md's contract says. Several:
 * DIR/<scenario>/results.json each, so every file still holds one scenario. Beside each
 * results.json: evidence.json (every cell's Evidence exactly as the detectors received it) and
 * records.json (every cell's record: the box's connections and the origin's view, the truth's source).
 * When the run graded its boxes, DIR/boxes.json holds their report cards.
 * Machine-read: English and unchanged whatever --lang says.
 */
import { join } from 'node:path';
import type { BaselineVerdict } from '../runner/detector-checks.ts';
import type { ScenarioResult } from '../runner/results.ts';
import type { Reporter, ReporterContext } from './reporter.ts';
import { scenarioDir, writeReportFile } from './write.ts';

/** results.json's baseline section: this scenario's checks and the run's baseline problems. */
function baselineSection(verdict: BaselineVerdict, scenario: string): ScenarioResult['baseline'] {
  if (!verdict.source) return undefined;
  const checks = verdict.checks.filter((c) => c.scenario === scenario);
  return {
    source: verdict.source,
    passed: !checks.some((c) => c.failed) && !(verdict.failed && verdict.problems.length > 0),
    checks: checks.map(({ scenario: _s, score: _score, ...check }) => check),
    problems: verdict.problems,
  };
}

export function jsonReporter({ outDir }: ReporterContext): Reporter {
  return {
    async onEnd({ runs, verdict, boxCards }) {
      const written: string[] = [];
      if (boxCards) written.push(await writeReportFile(join(outDir, 'boxes.json'), JSON.stringify(boxCards, null, 2) + '\n'));
      for (const run of runs) {
        const dir = scenarioDir(outDir, runs.length, run.result.scenario);
        const baseline = baselineSection(verdict, run.result.scenario);
        const { scenario, runtime } = run.result;
        written.push(await writeReportFile(join(dir, 'results.json'), JSON.stringify({ ...run.result, ...(baseline && { baseline }) }, null, 2) + '\n'));
        written.push(await writeReportFile(join(dir, 'evidence.json'), JSON.stringify({ scenario, runtime, cells: run.evidence }, null, 2) + '\n'));
        written.push(await writeReportFile(join(dir, 'records.json'), JSON.stringify(run.records, null, 2) + '\n'));
      }
      return written;
    },
  };
}
