/**
 * The reporters by name, and the set a run feeds: every event goes to each reporter in turn,
 * progress first (a live progress line is cleared before the table prints under it).
 */
import type { BaselineVerdict } from '../runner/detector-checks.ts';
import type { ResultRow } from '../runner/results.ts';
import type { ScenarioRun } from '../runner/run-scenario.ts';
import { htmlReporter } from './html/reporter.ts';
import { jsonReporter } from './json.ts';
import { junitReporter } from './junit.ts';
import { dotReporter } from './progress/dot.ts';
import { lineReporter } from './progress/line.ts';
import { listReporter } from './progress/list.ts';
import { cellKey } from './grid.ts';
import type { Reporter, ReporterContext, RunEnd, RunPlan, ScenarioPlan, UnitRef } from './reporter.ts';
import { tableReporter } from './table-reporter.ts';
import { tapReporter } from './tap.ts';

const FACTORIES = {
  table: tableReporter,
  json: jsonReporter,
  junit: junitReporter,
  tap: tapReporter,
  html: htmlReporter,
  list: listReporter,
  line: lineReporter,
  dot: dotReporter,
} satisfies Record<string, (context: ReporterContext) => Reporter>;

export type ReporterName = keyof typeof FACTORIES;
export const REPORTERS = Object.keys(FACTORIES) as ReporterName[];
/** outputs that write files into --out */
export const FILE_REPORTERS: readonly ReporterName[] = ['json', 'junit', 'tap', 'html'];
/** outputs on stderr while the run goes; at most one at a time */
export const PROGRESS_REPORTERS: readonly ReporterName[] = ['list', 'line', 'dot'];
/** Playwright's habit: the HTML report is on unless the user picks reporters; progress is a live line on a terminal, plain lines in a pipe */
export const DEFAULT_REPORTERS: readonly ReporterName[] = ['table', 'json', 'junit', 'tap', 'html', 'line'];

export function isReporterName(name: string): name is ReporterName {
  return Object.hasOwn(FACTORIES, name);
}

export class ReporterSet implements Required<Omit<Reporter, 'onEnd'>> {
  private readonly reporters: Reporter[];
  private readonly names: ReporterName[];
  /** cells each reporter has been given, so a scenario's end can hand over the ones no unit reported */
  private readonly seen = new Set<string>();

  constructor(names: readonly ReporterName[], context: ReporterContext) {
    const ordered = [...names.filter((n) => PROGRESS_REPORTERS.includes(n)), ...names.filter((n) => !PROGRESS_REPORTERS.includes(n))];
    this.names = [...new Set(ordered)];
    this.reporters = this.names.map((name) => FACTORIES[name](context));
  }

  onBegin(plan: RunPlan): void {
    for (const r of this.reporters) r.onBegin?.(plan);
  }

  onScenarioBegin(scenario: ScenarioPlan): void {
    for (const r of this.reporters) r.onScenarioBegin?.(scenario);
  }

  onUnitBegin(unit: UnitRef): void {
    for (const r of this.reporters) r.onUnitBegin?.(unit);
  }

  onCellEnd(unit: UnitRef, row: ResultRow): void {
    this.seen.add(`${unit.scenario}\0${cellKey(row)}`);
    for (const r of this.reporters) r.onCellEnd?.(unit, row);
  }

  onUnitEnd(unit: UnitRef, rows: readonly ResultRow[]): void {
    for (const r of this.reporters) r.onUnitEnd?.(unit, rows);
  }

  /** a finished unit: each of its cells, then the unit */
  unitDone(unit: UnitRef, rows: readonly ResultRow[]): void {
    for (const row of rows) this.onCellEnd(unit, row);
    this.onUnitEnd(unit, rows);
  }

  /**
   * A scenario's end. Rows no unit reported (a scenario skipped whole, a stored run re-scored)
   * go to every reporter first, unit by unit, so each sees every cell exactly once.
   */
  onScenarioEnd(run: ScenarioRun, verdict: BaselineVerdict): void {
    const { scenario } = run.result;
    const unseen = run.result.rows.filter((row) => !this.seen.has(`${scenario}\0${cellKey(row)}`));
    for (const { unit, rows } of unitsOf(scenario, unseen)) this.unitDone(unit, rows);
    for (const r of this.reporters) r.onScenarioEnd?.(run, verdict);
  }

  /**
   * Every reporter's end, each one even when another failed (a report that cannot be drawn must
   * not cost the JUnit file): the files written, and which reporters failed with what.
   */
  async onEnd(end: RunEnd): Promise<{ written: string[]; failures: { reporter: ReporterName; message: string }[] }> {
    const written: string[] = [];
    const failures: { reporter: ReporterName; message: string }[] = [];
    for (const [i, r] of this.reporters.entries()) {
      try {
        written.push(...((await r.onEnd?.(end)) ?? []));
      } catch (err) {
        failures.push({ reporter: this.names[i]!, message: err instanceof Error ? err.message : String(err) });
      }
    }
    return { written, failures };
  }
}

/** Rows grouped into their (state, client) units, in the order the units first appear. */
export function unitsOf(scenario: string, rows: readonly ResultRow[]): { unit: UnitRef; rows: ResultRow[] }[] {
  const units = new Map<string, { unit: UnitRef; rows: ResultRow[] }>();
  for (const row of rows) {
    const key = `${row.state}\0${row.client}\0${row.box ?? ''}`;
    const entry = units.get(key) ?? { unit: { scenario, state: row.state, client: row.client, sites: [], ...(row.box !== undefined && { box: row.box }) }, rows: [] };
    entry.rows.push(row);
    (entry.unit.sites as string[]).push(row.site);
    units.set(key, entry);
  }
  return [...units.values()];
}
