/**
 * `tlslab detect RUN_DIR`: re-scores a finished run offline, without starting a lab. It reads each
 * scenario's evidence.json (exactly what the detectors saw live) and results.json (each cell's
 * recorded truth), runs the chosen detectors, and ends the way `tlslab run` ends: same tables,
 * files and exit codes. A stored corpus of runs is a detector regression suite that runs in seconds.
 */
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../errors.ts';
import { scoreByBox } from '../runner/detect.ts';
import type { ScenarioRun } from '../runner/run-scenario.ts';
import { loadStored, movedRow, resultFiles } from '../runner/stored-runs.ts';
import { scenarioDir } from '../report/write.ts';
import { chosenDetectors, timestamp, withReportAndDetectorOptions, type DetectorFlags } from './options.ts';
import { checkOptions, finishRun, runPlan, runReporters, scenarioVerdict } from './report-runs.ts';

async function detectCommand(runDir: string, flags: DetectorFlags): Promise<void> {
  const stored = resultFiles(runDir).map(loadStored);
  for (const [i, s] of stored.entries()) {
    const twin = stored.slice(0, i).find((o) => o.result.scenario === s.result.scenario);
    if (twin) throw new UserError(`${runDir}: two results for scenario ${s.result.scenario} (${twin.dir}, ${s.dir}); give one run's directory`);
  }
  const outDir = flags.out ?? join('runs', timestamp());
  if (resolve(outDir) === resolve(runDir)) throw new UserError(`--out ${outDir}: the run being re-scored lives there; write elsewhere`);
  const detectors = await chosenDetectors(flags);
  const options = checkOptions(flags);
  const startedAt = new Date();
  const runs: ScenarioRun[] = [];
  for (const s of stored) {
    const to = resolve(scenarioDir(outDir, stored.length, s.result.scenario));
    const rows = s.result.rows.map((row) => movedRow(row, s.dir, to));
    const { baseline: _previous, ...result } = s.result;
    runs.push({
      result: { ...result, rows, detectors: await scoreByBox(detectors, s.evidence, rows) },
      evidence: s.evidence,
      records: s.records,
      wallMs: 0,
    });
  }
  const { reporters, tr } = runReporters(flags, outDir);
  const plans = runs.map((run) => ({ id: run.result.scenario, states: [...new Set(run.result.rows.map((r) => r.state))].map((name) => ({ name })), cells: run.result.rows.length }));
  reporters.onBegin(runPlan({ command: 'detect', source: runDir, outDir, startedAt, scenarios: plans }));
  for (const [i, run] of runs.entries()) {
    reporters.onScenarioBegin(plans[i]!);
    reporters.onScenarioEnd(run, scenarioVerdict(run, options));
  }
  await finishRun(runs, reporters, options, tr, Date.now() - startedAt.getTime());
}

export function registerDetectCommand(program: Command): void {
  withReportAndDetectorOptions(
    program
      .command('detect')
      .description('re-score a finished run offline: its evidence.json through the detectors, against each cell\'s recorded truth')
      .argument('<run-dir>', 'a directory tlslab run --out wrote'),
  ).action(async (runDir: string, flags: DetectorFlags) => detectCommand(runDir, flags));
}
