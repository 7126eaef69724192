/** Where a run's files go: one scenario writes into DIR itself, several each into DIR/<scenario>. */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** Where one scenario's files go, decided before the run (captures are written while it runs). */
export function scenarioDir(outDir: string, scenarioCount: number, scenario: string): string {
  return scenarioCount === 1 ? outDir : join(outDir, scenario);
}

/** Writes one report file (its directory made first) and returns its path. */
export async function writeReportFile(path: string, text: string | Uint8Array): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
  return path;
}
