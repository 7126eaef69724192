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
import type { Selection, Unit } from './matrix.ts';
import type { ResultRow } from './results.ts';
import { runScenario, type ClientSource, type ScenarioRun } from './run-scenario.ts';

export interface RunAllOptions {
  files: readonly string[];
  runtime: Runtime;
  catalogue: Catalogue;
  clients: ClientSource;
  selection?: Selection;
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
  /** every scenario loaded and checked, before anything starts */
  onBegin?: (scenarios: readonly Scenario[]) => void;
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
  opts.onBegin?.(scenarios);

  const runDir = await createRunDir();
  try {
    const runs: ScenarioRun[] = [];
    for (const scenario of scenarios) {
      opts.onScenarioStart?.(scenario);
      const run = await runScenario(scenario, {
        runtime: opts.runtime,
        clients: opts.clients,
        workDir: runDir.path,
        concurrency: opts.concurrency ?? defaultConcurrency(),
        ...(opts.selection && { selection: opts.selection }),
        ...(opts.visitTimeoutMs !== undefined && { visitTimeoutMs: opts.visitTimeoutMs }),
        ...(opts.detectors && { detectors: opts.detectors }),
        ...(opts.boxes && { boxes: opts.boxes }),
        ...(opts.external && { external: opts.external }),
        ...(opts.artefactsDir && { artefactsDir: opts.artefactsDir(scenario.id, scenarios.length) }),
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
