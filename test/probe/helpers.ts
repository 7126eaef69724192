/** Running `tlslab run … --clients probe` and reading back its rows and the probe's per-cell JSON. */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ScenarioResult } from '../../harness/runner/results.ts';
import type { ProbeReport } from '../../lab/probe/types.ts';

export const CLI = fileURLToPath(new URL('../../bin/tlslab.js', import.meta.url));

export interface GridRun {
  code: number | null;
  stderr: string;
  results: ScenarioResult[];
  /** the probe's own JSON per cell (artefacts), raw text and parsed */
  reports: { file: string; text: string; report: ProbeReport }[];
}

export async function runProbeGrid(args: string[]): Promise<GridRun> {
  const out = mkdtempSync(join(tmpdir(), 'tlslab-probe-grid-'));
  try {
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, 'run', ...args, '--clients', 'probe', '--reporter', 'json', '--out', out], {
        env: { ...process.env, TLSLAB_REGISTRY_DIR: join(out, 'registry') },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.once('error', reject);
      child.once('close', (c) => resolve({ code: c, stderr }));
    });
    const files = (readdirSync(out, { recursive: true }) as string[]).map((f) => join(out, f));
    const results = files.filter((f) => f.endsWith('results.json')).map((f) => JSON.parse(readFileSync(f, 'utf8')) as ScenarioResult);
    const reports = files
      .filter((f) => /--probe-[^/]+\.json$/.test(f))
      .map((file) => {
        const text = readFileSync(file, 'utf8');
        return { file, text, report: JSON.parse(text) as ProbeReport };
      });
    return { code, stderr, results, reports };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** rows where the probe said intercepted although the cell was clean, or the other way round */
export function misjudged(result: ScenarioResult): { fp: string[]; fn: string[] } {
  const fp: string[] = [];
  const fn: string[] = [];
  for (const row of result.rows) {
    if (row.skipped !== undefined) continue;
    const said = row.actual.outcome === 'flagged';
    const truth = row.truth?.status === 'intercepted';
    const cell = `${result.scenario}/${row.state}/${row.site}: said ${row.actual.error}, truth ${row.truth?.status}`;
    if (said && !truth) fp.push(cell);
    if (!said && truth) fn.push(cell);
  }
  return { fp, fn };
}

export const IPV4 = /\b(?:\d{1,3}\.){3}\d{1,3}\b/;
