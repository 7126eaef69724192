/**
 * Reads a baseline for `tlslab run --baseline`: one results.json (one scenario), or a report
 * directory as `tlslab run --out` writes it (DIR/results.json or DIR/<scenario>/results.json).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.ts';

/** scenario id → that scenario's parsed results.json */
export type Baseline = Map<string, unknown>;

function readResults(file: string): [string, unknown] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UserError(`--baseline ${file}: not readable JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const scenario = (parsed as { scenario?: unknown } | null)?.scenario;
  if (typeof scenario !== 'string') throw new UserError(`--baseline ${file}: field "scenario" is missing; is this a tlslab results.json?`);
  return [scenario, parsed];
}

export function loadBaseline(path: string): Baseline {
  if (!existsSync(path)) throw new UserError(`--baseline ${path}: no such file or directory`);
  if (!statSync(path).isDirectory()) return new Map([readResults(path)]);
  const files = existsSync(join(path, 'results.json'))
    ? [join(path, 'results.json')]
    : readdirSync(path, { withFileTypes: true })
        .filter((e) => e.isDirectory() && existsSync(join(path, e.name, 'results.json')))
        .map((e) => join(path, e.name, 'results.json'));
  if (files.length === 0) throw new UserError(`--baseline ${path}: no results.json in it or in its scenario folders`);
  return new Map(files.map(readResults));
}
