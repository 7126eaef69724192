/**
 * `tlslab detect RUN_DIR`: re-scores a finished run offline, without starting a lab. It reads each
 * scenario's evidence.json (exactly what the detectors saw live) and results.json (each cell's
 * recorded truth), runs the chosen detectors, and ends the way `tlslab run` ends: same tables,
 * files and exit codes. A stored corpus of runs is a detector regression suite that runs in seconds.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { evidenceSchema } from '../../lab/detectors/index.ts';
import { UserError } from '../errors.ts';
import { scoreEvidence } from '../runner/detect.ts';
import type { RecordsReport } from '../runner/records.ts';
import type { ResultRow, ScenarioResult } from '../runner/results.ts';
import type { ScenarioRun } from '../runner/run-scenario.ts';
import { scenarioDir } from '../report/write.ts';
import { chosenDetectors, timestamp, withReportAndDetectorOptions, type DetectorFlags } from './options.ts';
import { checkOptions, finishRun, runPlan, runReporters, scenarioVerdict } from './report-runs.ts';

const evidenceFileSchema = z.object({ scenario: z.string(), runtime: z.string(), cells: z.array(evidenceSchema) });

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UserError(`${file}: not readable JSON (${(err as Error).message})`);
  }
}

/** results.json files of a run dir: DIR/results.json, or DIR/<scenario>/results.json */
function resultFiles(runDir: string): string[] {
  if (!existsSync(runDir) || !statSync(runDir).isDirectory()) throw new UserError(`${runDir}: not a run directory (tlslab run --out writes one)`);
  if (existsSync(join(runDir, 'results.json'))) return [join(runDir, 'results.json')];
  const files = readdirSync(runDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(runDir, e.name, 'results.json')))
    .map((e) => join(runDir, e.name, 'results.json'));
  if (files.length === 0) throw new UserError(`${runDir}: no results.json in it or in its scenario folders`);
  return files;
}

interface StoredScenario {
  dir: string;
  result: ScenarioResult;
  evidence: z.infer<typeof evidenceFileSchema>['cells'];
  records: RecordsReport;
}

function loadStored(resultsFile: string): StoredScenario {
  const dir = dirname(resultsFile);
  const result = readJson(resultsFile) as ScenarioResult;
  if (typeof result?.scenario !== 'string' || !Array.isArray(result.rows)) throw new UserError(`${resultsFile}: not a tlslab results.json (no scenario or rows)`);
  const ran = result.rows.filter((r) => r.skipped === undefined);
  if (ran.some((r) => r.truth === undefined)) {
    throw new UserError(`${resultsFile}: rows carry no recorded truth (a run from before per-cell records); run the scenario again to re-score it`);
  }
  const evidenceFile = join(dir, 'evidence.json');
  if (!existsSync(evidenceFile)) throw new UserError(`${evidenceFile}: missing (the run was made without the json reporter)`);
  const parsed = evidenceFileSchema.safeParse(readJson(evidenceFile));
  if (!parsed.success) throw new UserError(`${evidenceFile}: ${z.prettifyError(parsed.error).split('\n').slice(0, 4).join('; ')}`);
  if (parsed.data.scenario !== result.scenario) throw new UserError(`${evidenceFile} is for scenario ${parsed.data.scenario}, ${resultsFile} for ${result.scenario}`);
  const recordsFile = join(dir, 'records.json');
  const records = existsSync(recordsFile) ? (readJson(recordsFile) as RecordsReport) : { scenario: result.scenario, runtime: result.runtime, cells: [], strays: [] };
  return { dir, result, evidence: parsed.data.cells, records };
}

/** capture and artefact paths are relative to their results.json; written elsewhere they must still point at the files */
function movedRow(row: ResultRow, from: string, to: string): ResultRow {
  const move = (path: string) => relative(to, resolve(from, path));
  const artefacts = row.actual.artefacts;
  const moved = artefacts ? { ...row, actual: { ...row.actual, artefacts: artefacts.map(move) } } : row;
  if (!row.capture) return moved;
  const { pcapng, keylog, problem } = row.capture;
  return { ...moved, capture: { ...(pcapng && { pcapng: move(pcapng) }), ...(keylog && { keylog: move(keylog) }), ...(problem && { problem }) } };
}

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
      result: { ...result, rows, detectors: await scoreEvidence(detectors, s.evidence, rows) },
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
