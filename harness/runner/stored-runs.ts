/**
 * A finished run as its json reporter left it (results.json, evidence.json, records.json beside
 * each other, one set per scenario), read back for `tlslab detect` and `tlslab merge-reports`.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { z } from 'zod';
import { evidenceSchema } from '../../lab/detectors/index.ts';
import { UserError } from '../errors.ts';
import type { RecordsReport } from './records.ts';
import type { ResultRow, ScenarioResult } from './results.ts';

const evidenceFileSchema = z.object({ scenario: z.string(), runtime: z.string(), cells: z.array(evidenceSchema) });

export function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UserError(`${file}: not readable JSON (${(err as Error).message})`);
  }
}

/** results.json files of a run dir: DIR/results.json, or DIR/<scenario>/results.json */
export function resultFiles(runDir: string): string[] {
  if (!existsSync(runDir) || !statSync(runDir).isDirectory()) throw new UserError(`${runDir}: not a run directory (tlslab run --out writes one)`);
  if (existsSync(join(runDir, 'results.json'))) return [join(runDir, 'results.json')];
  const files = readdirSync(runDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(runDir, e.name, 'results.json')))
    .map((e) => join(runDir, e.name, 'results.json'));
  if (files.length === 0) throw new UserError(`${runDir}: no results.json in it or in its scenario folders`);
  return files;
}

export interface StoredScenario {
  dir: string;
  result: ScenarioResult;
  evidence: z.infer<typeof evidenceFileSchema>['cells'];
  records: RecordsReport;
}

export function loadStored(resultsFile: string): StoredScenario {
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
export function movedRow(row: ResultRow, from: string, to: string): ResultRow {
  const move = (path: string) => relative(to, resolve(from, path));
  const artefacts = row.actual.artefacts;
  const moved = artefacts ? { ...row, actual: { ...row.actual, artefacts: artefacts.map(move) } } : row;
  if (!row.capture) return moved;
  const { pcapng, keylog, problem } = row.capture;
  return { ...moved, capture: { ...(pcapng && { pcapng: move(pcapng) }), ...(keylog && { keylog: move(keylog) }), ...(problem && { problem }) } };
}
