/** What every progress reporter counts: cells done of the plan, failures so far, units running, an ETA. */
import { tally, type ResultRow } from '../../runner/results.ts';
import type { RunPlan, UnitRef } from '../reporter.ts';

export function unitKey(unit: UnitRef): string {
  return `${unit.scenario}\0${unit.state}\0${unit.client}\0${unit.box ?? ''}`;
}

export function unitName(unit: UnitRef): string {
  return `${unit.state}/${unit.client}${unit.box !== undefined ? ` [${unit.box}]` : ''}`;
}

export class ProgressTracker {
  total = 0;
  done = 0;
  failed = 0;
  private startedAt = 0;
  private readonly running = new Map<string, { unit: UnitRef; since: number }>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  begin(plan: RunPlan): void {
    this.total = plan.cells;
    this.startedAt = this.now();
  }

  unitBegin(unit: UnitRef): void {
    this.running.set(unitKey(unit), { unit, since: this.now() });
  }

  /** counts a finished unit's cells; how long it ran, when its start was seen */
  unitEnd(unit: UnitRef, rows: readonly ResultRow[]): { ms?: number } {
    const started = this.running.get(unitKey(unit));
    this.running.delete(unitKey(unit));
    this.done += rows.length;
    this.failed += tally(rows).failed;
    this.total = Math.max(this.total, this.done);
    return started ? { ms: this.now() - started.since } : {};
  }

  runningUnits(): UnitRef[] {
    return [...this.running.values()].map((r) => r.unit);
  }

  /** time left at the pace so far; undefined before the first cell is done */
  etaMs(): number | undefined {
    if (this.done === 0) return undefined;
    const elapsed = this.now() - this.startedAt;
    return (elapsed / this.done) * Math.max(0, this.total - this.done);
  }
}

/** 0:23, 1:05:09 */
export function clock(ms: number): string {
  const seconds = Math.round(ms / 1000);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const two = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(seconds % 60)}` : `${m}:${two(seconds % 60)}`;
}
