/**
 * The last stage of `tlslab run` and `tlslab detect`, shared so both give the same tables, files
 * and exit codes: detector checks against the baseline, report files, the closing line. Every
 * failure — a row, a detector check, a baseline problem — reaches every reporter and the exit code.
 */
import { relative } from 'node:path';
import { loadBaseline } from '../runner/baseline.ts';
import { checkDetectors, type BaselineVerdict, type CheckOptions } from '../runner/detector-checks.ts';
import { exitCodeFor, tally } from '../runner/results.ts';
import type { ScenarioRun } from '../runner/run-scenario.ts';
import { failedChecksLine, renderBaselineVerdict, renderDetectorScores } from '../report/detectors.ts';
import { renderTable } from '../report/table.ts';
import { writeReportFiles, type ReporterName } from '../report/write.ts';

export interface ReportFlags {
  reporter: ReporterName[];
  baseline?: string;
  allowMissingBaseline?: boolean;
}

export function checkOptions(flags: ReportFlags): CheckOptions {
  return {
    ...(flags.baseline !== undefined && { baseline: { source: flags.baseline, scenarios: loadBaseline(flags.baseline) } }),
    ...(flags.allowMissingBaseline && { allowMissing: true }),
  };
}

/** The grid, the scores and this scenario's baseline checks, as the table reporter prints them. */
export function renderScenario(run: ScenarioRun, options: CheckOptions): string {
  const verdict = checkDetectors([run.result], options);
  const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
  return (
    renderTable(run, { color, detectorChecks: verdict.checks, ...(process.stdout.isTTY && { width: process.stdout.columns }) }) +
    '\n' +
    renderDetectorScores(run.result.scenario, run.result.detectors) +
    renderBaselineVerdict(verdict, run.result.scenario)
  );
}

/** Checks, files, closing line; sets process.exitCode (0 only when every row passed and no check failed). */
export async function reportRuns(runs: readonly ScenarioRun[], flags: ReportFlags, options: CheckOptions, outDir: string, printTables: boolean): Promise<BaselineVerdict> {
  const showTable = flags.reporter.includes('table');
  if (printTables && showTable) for (const run of runs) process.stdout.write(renderScenario(run, options));
  const verdict = checkDetectors(runs.map((r) => r.result), options);
  if (showTable && verdict.problems.length > 0) {
    process.stdout.write(verdict.problems.map((p) => `${verdict.failed ? '✗' : '!'} baseline: ${p}\n`).join(''));
  }
  const fileReporters = flags.reporter.filter((r) => r !== 'table');
  if (fileReporters.length > 0) {
    const written = await writeReportFiles(outDir, runs, fileReporters, verdict);
    process.stderr.write(`tlslab: wrote ${written.map((w) => relative(process.cwd(), w) || w).join(', ')}\n`);
  }
  const all = tally(runs.flatMap((r) => r.result.rows));
  const checks = failedChecksLine(verdict);
  process.stderr.write(`tlslab: ${all.passed} passed, ${all.failed} failed, ${all.skipped} skipped${checks ? `; ${checks}` : ''}\n`);
  process.exitCode = verdict.failed ? 1 : exitCodeFor(runs.map((r) => r.result));
  return verdict;
}
