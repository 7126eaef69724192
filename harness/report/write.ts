/**
 * Writes a run's files. One scenario: DIR/results.json exactly as DESIGN.md's contract says.
 * Several: DIR/<scenario>/results.json each, so every file still holds one scenario. Beside each
 * results.json: evidence.json (every cell's Evidence exactly as the detectors received it) and
 * records.json (every cell's record: the box's connections and the origin's view, the truth's source).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BaselineVerdict } from '../runner/detector-checks.ts';
import type { ScenarioRun } from '../runner/run-scenario.ts';
import type { ScenarioResult } from '../runner/results.ts';
import { renderJunit } from './junit.ts';
import { renderTap } from './tap.ts';

export const REPORTERS = ['table', 'json', 'junit', 'tap'] as const;
export type ReporterName = (typeof REPORTERS)[number];

/** Where one scenario's files go, decided before the run (captures are written while it runs). */
export function scenarioDir(outDir: string, scenarioCount: number, scenario: string): string {
  return scenarioCount === 1 ? outDir : join(outDir, scenario);
}

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

export async function writeReportFiles(outDir: string, runs: readonly ScenarioRun[], reporters: readonly ReporterName[], verdict: BaselineVerdict): Promise<string[]> {
  const written: string[] = [];
  const put = async (path: string, text: string) => {
    await writeFile(path, text);
    written.push(path);
  };
  await mkdir(outDir, { recursive: true });
  if (reporters.includes('json')) {
    for (const run of runs) {
      const dir = scenarioDir(outDir, runs.length, run.result.scenario);
      await mkdir(dir, { recursive: true });
      const baseline = baselineSection(verdict, run.result.scenario);
      await put(join(dir, 'results.json'), JSON.stringify({ ...run.result, ...(baseline && { baseline }) }, null, 2) + '\n');
      await put(join(dir, 'evidence.json'), JSON.stringify({ scenario: run.result.scenario, runtime: run.result.runtime, cells: run.evidence }, null, 2) + '\n');
      await put(join(dir, 'records.json'), JSON.stringify(run.records, null, 2) + '\n');
    }
  }
  if (reporters.includes('junit')) await put(join(outDir, 'junit.xml'), renderJunit(runs, verdict));
  if (reporters.includes('tap')) await put(join(outDir, 'results.tap'), renderTap(runs, verdict));
  return written;
}
