/**
 * A whole `tlslab run`: load every scenario first (a typo fails before anything starts), then run
 * them one after another inside one temp dir that is removed at the end or on a signal.
 */
import { availableParallelism } from 'node:os';
import type { Detector } from '../../lab/detectors/index.ts';
import type { Runtime } from '../../lab/runtime/types.ts';
import { UserError } from '../errors.ts';
import type { Catalogue } from '../scenario/catalogue.ts';
import { loadScenarioFile } from '../scenario/load.ts';
import type { Scenario } from '../scenario/schema.ts';
import { createRunDir } from './lifecycle.ts';
import { expandUnits, type Selection, type Unit } from './matrix.ts';
import { cellIdKey, cellTitle, chooseCells, matchesGrep, type CellChoice, type CellId } from './cell-filter.ts';
import type { ResultRow } from './results.ts';
import { boxesFor, runScenario, type ClientSource, type ScenarioRun } from './run-scenario.ts';

export interface RunAllOptions {
  files: readonly string[];
  runtime: Runtime;
  catalogue: Catalogue;
  clients: ClientSource;
  selection?: Selection;
  /** --grep, --grep-invert and --shard: which cells of the selection this run takes */
  choice?: CellChoice;
  /** a failed cell is tried again up to this many times (flaky when a retry passes) */
  retries?: number;
  concurrency?: number;
  visitTimeoutMs?: number;
  detectors?: readonly Detector[];
  /** boxes to put in the middle (default: each scenario's interception.box, else the lab's engine) */
  boxes?: readonly string[];
  /** the user's own proxy, for the external box */
  external?: { proxy: { host: string; port: number }; caFile: string };
  /** where each scenario's lasting files go (captures), given the number of scenarios in the run */
  artefactsDir?: (scenario: string, scenarioCount: number) => string;
  capture?: boolean;
  /** every scenario loaded and checked, before anything starts: the ones with cells to run, and the cells chosen */
  onBegin?: (scenarios: readonly Scenario[], selection: Selection) => void;
  onScenarioStart?: (scenario: Scenario) => void;
  onUnitStart?: (scenario: Scenario, unit: Unit) => void;
  /** a unit's rows, each with its record's truth */
  onUnitDone?: (scenario: Scenario, unit: Unit, rows: readonly ResultRow[]) => void;
  onScenarioDone?: (run: ScenarioRun) => void;
}

export function defaultConcurrency(): number {
  return Math.max(2, availableParallelism());
}

function checkSelection(scenarios: readonly Scenario[], selection: Selection | undefined): void {
  const check = (asked: readonly string[] | undefined, have: string[], what: string, flag: string) => {
    const unknown = (asked ?? []).filter((n) => !have.includes(n));
    if (unknown.length > 0) throw new UserError(`${flag}: unknown ${what} ${unknown.join(', ')}; the selected scenarios have: ${have.join(', ')}`);
  };
  check(selection?.clients, [...new Set(scenarios.flatMap((s) => s.clients))], 'client', '--clients');
  check(selection?.states, [...new Set(scenarios.flatMap((s) => s.states.map((x) => x.name)))], 'state', '--states');
}

/** The scenario's cells under a selection, in grid order: box, state, client, site. */
export function gridOf(scenario: Scenario, selection: Selection, boxes: readonly string[] | undefined): CellId[] {
  const { boxes: chosen, named } = boxesFor(scenario, boxes);
  return chosen.flatMap((box) =>
    expandUnits(scenario, selection, named ? box : undefined).flatMap((unit) =>
      unit.sites.map((site) => ({ scenario: scenario.id, box: unit.box, state: unit.state.name, client: unit.client, site })),
    ),
  );
}

/** --clients and --states, then --grep and --shard over the cells they leave (the whole run's, in grid order). */
function chosenSelection(scenarios: readonly Scenario[], opts: RunAllOptions): Selection {
  const base: Selection = opts.selection ?? {};
  const choice = opts.choice;
  if (!choice || (choice.grep === undefined && choice.grepInvert === undefined && choice.shard === undefined)) return base;
  const grid = scenarios.flatMap((s) => gridOf(s, base, opts.boxes));
  const matched = grid.filter((cell) => matchesGrep(cell, choice));
  if (matched.length === 0) {
    const patterns = [choice.grep && `--grep ${choice.grep.source}`, choice.grepInvert && `--grep-invert ${choice.grepInvert.source}`].filter(Boolean).join(' ');
    throw new UserError(`${patterns}: no cell of the ${grid.length} selected matches (a cell's title reads "${grid[0] ? cellTitle(grid[0]) : 'scenario state client@site'}")`);
  }
  const keep = chooseCells(grid, choice);
  return { ...base, cells: (cell) => keep.has(cellIdKey(cell)) };
}

export async function runAll(opts: RunAllOptions): Promise<ScenarioRun[]> {
  const scenarios: Scenario[] = [];
  for (const file of opts.files) scenarios.push(await loadScenarioFile(file, opts.catalogue));
  const ids = new Map<string, string>();
  for (const s of scenarios) {
    const other = ids.get(s.id);
    if (other) throw new UserError(`${s.file}: scenario id "${s.id}" is also used by ${other}`);
    ids.set(s.id, s.file);
  }
  checkSelection(scenarios, opts.selection);
  const selection = chosenSelection(scenarios, opts);
  // a scenario none of whose cells this run takes (another shard's, filtered out) is not started
  const taken = scenarios.filter((s) => gridOf(s, selection, opts.boxes).length > 0);
  opts.onBegin?.(taken, selection);

  const runDir = await createRunDir();
  try {
    const runs: ScenarioRun[] = [];
    for (const scenario of taken) {
      opts.onScenarioStart?.(scenario);
      const run = await runScenario(scenario, {
        runtime: opts.runtime,
        clients: opts.clients,
        workDir: runDir.path,
        concurrency: opts.concurrency ?? defaultConcurrency(),
        selection,
        ...(opts.retries !== undefined && { retries: opts.retries }),
        ...(opts.visitTimeoutMs !== undefined && { visitTimeoutMs: opts.visitTimeoutMs }),
        ...(opts.detectors && { detectors: opts.detectors }),
        ...(opts.boxes && { boxes: opts.boxes }),
        ...(opts.external && { external: opts.external }),
        ...(opts.artefactsDir && { artefactsDir: opts.artefactsDir(scenario.id, taken.length) }),
        ...(opts.capture !== undefined && { capture: opts.capture }),
        ...(opts.onUnitStart && { onUnitStart: (unit: Unit) => opts.onUnitStart?.(scenario, unit) }),
        ...(opts.onUnitDone && { onUnitDone: (rows: readonly ResultRow[], unit: Unit) => opts.onUnitDone?.(scenario, unit, rows) }),
      });
      opts.onScenarioDone?.(run);
      runs.push(run);
    }
    return runs;
  } finally {
    await runDir.remove();
  }
}
