/**
 * `tlslab merge-reports DIR… --out DIR`: the shards of one grid (`tlslab run --shard i/n`, one
 * per CI job) made into the report the unsharded run would have written. Each scenario's rows,
 * evidence and records are put together in grid order (shards are contiguous slices of it), the
 * detectors are scored again over the merged evidence against each cell's recorded truth (scores
 * are not sums: precision and recall of the whole grid), boxes.json keeps one card per box, and
 * every reporter — JSON, JUnit, TAP, HTML, the table — is fed the merged run, so exit code and
 * files agree as they do after `tlslab run`.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { BoxCard } from '../../lab/boxes/grade/index.ts';
import { UserError } from '../errors.ts';
import { cellIdKey } from '../runner/cell-filter.ts';
import { scoreByBox } from '../runner/detect.ts';
import { prepareRunOutDir } from '../runner/out-dir.ts';
import type { ScenarioRun } from '../runner/run-scenario.ts';
import { loadStored, movedRow, readJson, resultFiles, type StoredScenario } from '../runner/stored-runs.ts';
import { scenarioDir } from '../report/write.ts';
import { chosenDetectors, timestamp, withReportAndDetectorOptions, type DetectorFlags } from './options.ts';
import { checkOptions, finishRun, runPlan, runReporters, scenarioVerdict } from './report-runs.ts';

interface Shard {
  dir: string;
  scenarios: StoredScenario[];
  order?: { current: number; total: number };
  boxCards: BoxCard[];
}

/** A shard with no cells (more shards than cells) leaves a run dir with no results.json. */
function emptyShard(dir: string): boolean {
  if (!existsSync(join(dir, 'results.tap')) || existsSync(join(dir, 'results.json'))) return false;
  return readdirSync(dir, { withFileTypes: true }).every((e) => !e.isDirectory() || !existsSync(join(dir, e.name, 'results.json')));
}

function readShard(dir: string): Shard {
  if (emptyShard(dir)) {
    process.stderr.write(`tlslab: ${dir}: no cells ran there (an empty shard, or a run of nothing); nothing to merge from it\n`);
    return { dir, scenarios: [], boxCards: [] };
  }
  const scenarios = resultFiles(dir).map(loadStored);
  const order = scenarios.find((s) => s.result.shard)?.result.shard;
  const cardsFile = join(dir, 'boxes.json');
  const boxCards = existsSync(cardsFile) ? (readJson(cardsFile) as BoxCard[]) : [];
  if (!Array.isArray(boxCards)) throw new UserError(`${cardsFile}: not a list of report cards`);
  return { dir, scenarios, ...(order && { order }), boxCards };
}

/** Shards in shard order (so each scenario's rows come back in grid order); a gap or a mix of grids is said, not hidden. */
function orderedShards(dirs: readonly string[]): Shard[] {
  const shards = dirs.map(readShard);
  const totals = [...new Set(shards.flatMap((s) => (s.order ? [s.order.total] : [])))];
  if (totals.length > 1) throw new UserError(`the directories are shards of different splits (of ${totals.join(' and ')}): merge the shards of one run`);
  const sorted = [...shards].sort((a, b) => (a.order?.current ?? 0) - (b.order?.current ?? 0));
  for (const [i, s] of sorted.entries()) {
    const twin = sorted.slice(0, i).find((o) => o.order && s.order && o.order.current === s.order.current);
    if (twin) throw new UserError(`${twin.dir} and ${s.dir} are both shard ${s.order!.current}/${s.order!.total}`);
  }
  const total = totals[0];
  if (total !== undefined) {
    const missing = Array.from({ length: total }, (_, i) => i + 1).filter((n) => !sorted.some((s) => s.order?.current === n));
    // an empty shard (more shards than cells) writes no results; any other gap is worth a line
    if (missing.length > 0) process.stderr.write(`tlslab: merging without shard ${missing.join(', ')} of ${total} (no results.json given for it)\n`);
  }
  return sorted;
}

/** One scenario's parts from every shard, as one run: rows in grid order, evidence and records beside them. */
async function mergeScenario(parts: readonly StoredScenario[], to: string, detectors: Awaited<ReturnType<typeof chosenDetectors>>): Promise<ScenarioRun> {
  const first = parts[0]!.result;
  const seen = new Map<string, string>();
  for (const part of parts) {
    if (part.result.runtime !== first.runtime) throw new UserError(`${part.dir}: scenario ${first.scenario} ran on ${part.result.runtime} there and on ${first.runtime} in ${parts[0]!.dir}`);
    for (const row of part.result.rows) {
      const key = cellIdKey({ scenario: first.scenario, ...row });
      const other = seen.get(key);
      if (other !== undefined) throw new UserError(`${part.dir}: the cell ${row.state} ${row.client}@${row.site} is also in ${other} (give each shard once)`);
      seen.set(key, part.dir);
    }
  }
  const rows = parts.flatMap((p) => p.result.rows.map((row) => movedRow(row, p.dir, to)));
  const evidence = parts.flatMap((p) => p.evidence);
  const localisation = parts.find((p) => p.result.localisation)?.result.localisation;
  return {
    result: { scenario: first.scenario, runtime: first.runtime, rows, detectors: await scoreByBox(detectors, evidence, rows), ...(localisation && { localisation }) },
    evidence,
    records: { scenario: first.scenario, runtime: first.runtime, cells: parts.flatMap((p) => p.records.cells), strays: parts.flatMap((p) => p.records.strays) },
    wallMs: 0,
  };
}

async function mergeCommand(dirs: string[], flags: DetectorFlags): Promise<void> {
  const out = flags.out ?? join('runs', timestamp());
  for (const dir of dirs) if (resolve(dir) === resolve(out)) throw new UserError(`--out ${out}: it is one of the directories being merged; write elsewhere`);
  const shards = orderedShards(dirs);
  const outDir = prepareRunOutDir(out);

  const detectors = await chosenDetectors(flags);
  const options = checkOptions(flags);
  const startedAt = new Date();
  const byScenario = new Map<string, StoredScenario[]>();
  for (const part of shards.flatMap((s) => s.scenarios)) byScenario.set(part.result.scenario, [...(byScenario.get(part.result.scenario) ?? []), part]);
  const runs: ScenarioRun[] = [];
  for (const [id, parts] of byScenario) runs.push(await mergeScenario(parts, resolve(scenarioDir(outDir, byScenario.size, id)), detectors));
  const cards = new Map<string, BoxCard>();
  for (const card of shards.flatMap((s) => s.boxCards)) if (!cards.has(card.box)) cards.set(card.box, card);

  const { reporters, tr } = runReporters(flags, outDir);
  const plans = runs.map((run) => ({ id: run.result.scenario, states: [...new Set(run.result.rows.map((r) => r.state))].map((name) => ({ name })), cells: run.result.rows.length }));
  reporters.onBegin(runPlan({ command: 'merge-reports', source: dirs.join(' '), outDir, startedAt, scenarios: plans }));
  for (const [i, run] of runs.entries()) {
    reporters.onScenarioBegin(plans[i]!);
    reporters.onScenarioEnd(run, scenarioVerdict(run, options));
  }
  await finishRun(runs, reporters, options, tr, Date.now() - startedAt.getTime(), cards.size > 0 ? [...cards.values()] : undefined);
}

export function registerMergeReportsCommand(program: Command): void {
  withReportAndDetectorOptions(
    program
      .command('merge-reports')
      .description('merge the report dirs of a sharded run (tlslab run --shard i/n) into the report of the whole grid; detectors are scored again over the merged evidence')
      .argument('<dir...>', 'report directories tlslab run --out wrote, one per shard'),
  ).action(async (dirs: string[], flags: DetectorFlags) => mergeCommand(dirs, flags));
}
