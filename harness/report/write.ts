/**
 * Writes a run's files. One scenario: DIR/results.json exactly as DESIGN.md's contract says.
 * Several: DIR/<scenario>/results.json each, so every file still holds one scenario.
 * evidence.json (engine events, origin views) sits beside each results.json for the detectors.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ScenarioRun } from '../runner/run-scenario.ts';
import { renderJunit } from './junit.ts';
import { renderTap } from './tap.ts';

export const REPORTERS = ['table', 'json', 'junit', 'tap'] as const;
export type ReporterName = (typeof REPORTERS)[number];

export function scenarioDir(outDir: string, runs: readonly ScenarioRun[], run: ScenarioRun): string {
  return runs.length === 1 ? outDir : join(outDir, run.result.scenario);
}

export async function writeReportFiles(outDir: string, runs: readonly ScenarioRun[], reporters: readonly ReporterName[]): Promise<string[]> {
  const written: string[] = [];
  const put = async (path: string, text: string) => {
    await writeFile(path, text);
    written.push(path);
  };
  await mkdir(outDir, { recursive: true });
  if (reporters.includes('json')) {
    for (const run of runs) {
      const dir = scenarioDir(outDir, runs, run);
      await mkdir(dir, { recursive: true });
      await put(join(dir, 'results.json'), JSON.stringify(run.result, null, 2) + '\n');
      await put(join(dir, 'evidence.json'), JSON.stringify(run.evidence, null, 2) + '\n');
    }
  }
  if (reporters.includes('junit')) await put(join(outDir, 'junit.xml'), renderJunit(runs));
  if (reporters.includes('tap')) await put(join(outDir, 'results.tap'), renderTap(runs));
  return written;
}
