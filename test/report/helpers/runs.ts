/** Runs the report tests draw: the stored corpus runs, and small hand-made ones. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResultRow } from '../../../harness/runner/results.ts';
import type { ScenarioRun } from '../../../harness/runner/run-scenario.ts';
import type { ReporterContext } from '../../../harness/report/reporter.ts';
import { translator } from '../../../harness/i18n/translate.ts';
import type { Lang } from '../../../harness/i18n/lang.ts';

export const CORPUS = join(import.meta.dirname, '..', '..', 'fixtures', 'runs');

/** A stored run (results.json + evidence.json) as the reporters receive it. */
export function storedRun(name: string): ScenarioRun {
  const read = (file: string) => JSON.parse(readFileSync(join(CORPUS, name, file), 'utf8'));
  const result = read('results.json');
  return { result, evidence: read('evidence.json').cells, records: { scenario: result.scenario, runtime: result.runtime, cells: [], strays: [] }, wallMs: 1500 };
}

export function row(partial: Partial<ResultRow> & Pick<ResultRow, 'state' | 'client' | 'site' | 'expected'>): ResultRow {
  return { actual: { outcome: 'loaded', error: null, chain: null }, pass: true, ...partial };
}

/** A run of hand-made rows and nothing else recorded. */
export function runOf(rows: ResultRow[], scenario = 'demo'): ScenarioRun {
  return { wallMs: 1234, evidence: [], records: { scenario, runtime: 'loopback', cells: [], strays: [] }, result: { scenario, runtime: 'loopback', detectors: [], rows } };
}

export interface FakeStream {
  stream: NodeJS.WriteStream;
  text(): string;
}

/** A stream that records what is written, into its own text and a log shared with others (to see the order). */
export function fakeStream(name: string, log: string[], tty = false): FakeStream {
  let text = '';
  const stream = {
    isTTY: tty,
    columns: 100,
    write(chunk: string | Uint8Array) {
      const s = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
      text += s;
      log.push(`${name}:${s}`);
      return true;
    },
  } as unknown as NodeJS.WriteStream;
  return { stream, text: () => text };
}

export function context(lang: Lang, outDir: string, stdout: FakeStream, stderr: FakeStream): ReporterContext {
  return { lang, tr: translator(lang), outDir, stdout: stdout.stream, stderr: stderr.stream, argv: ['run', 'demo'] };
}
