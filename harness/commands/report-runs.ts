/**
 * The reporting side of `tlslab run` and `tlslab detect`, shared so both give the same tables,
 * files and exit codes: the reporters the flags name (fed as the run goes), detector checks against
 * the baseline, the closing lines. Every failure — a row, a detector check, a baseline problem, a
 * reporter that could not write — reaches every reporter that can show it, and the exit code.
 */
import type { BoxCard } from '../../lab/boxes/grade/index.ts';
import { relative } from 'node:path';
import type { Lang } from '../i18n/lang.ts';
import { textIn } from '../i18n/localised.ts';
import { translator, type Translator } from '../i18n/translate.ts';
import { loadBaseline } from '../runner/baseline.ts';
import { checkDetectors, type CheckOptions } from '../runner/detector-checks.ts';
import type { Selection } from '../runner/matrix.ts';
import { gridOf } from '../runner/run-all.ts';
import { exitCodeFor, tally } from '../runner/results.ts';
import type { ScenarioRun } from '../runner/run-scenario.ts';
import type { Scenario } from '../scenario/schema.ts';
import { failedChecksLine } from '../report/detectors.ts';
import type { RunPlan, ScenarioPlan, UnitRef } from '../report/reporter.ts';
import { ReporterSet, type ReporterName } from '../report/reporters.ts';

export interface ReportFlags {
  reporter: ReporterName[];
  lang: Lang;
  baseline?: string;
  allowMissingBaseline?: boolean;
}

export function checkOptions(flags: ReportFlags): CheckOptions {
  return {
    ...(flags.baseline !== undefined && { baseline: { source: flags.baseline, scenarios: loadBaseline(flags.baseline) } }),
    ...(flags.allowMissingBaseline && { allowMissing: true }),
  };
}

/** The reporters the flags ask for, writing into outDir, speaking the flags' language. */
export function runReporters(flags: ReportFlags, outDir: string): { reporters: ReporterSet; tr: Translator } {
  const tr = translator(flags.lang);
  const reporters = new ReporterSet(flags.reporter, { lang: flags.lang, tr, outDir, stdout: process.stdout, stderr: process.stderr, argv: process.argv.slice(2) });
  return { reporters, tr };
}

/** What a scenario will report before it runs: its descriptions and how many cells. */
export function scenarioPlan(scenario: Scenario, selection: Selection = {}, boxes?: readonly string[]): ScenarioPlan {
  return {
    id: scenario.id,
    ...(scenario.description !== '' && { description: scenario.description }),
    states: scenario.states.map((s) => ({ name: s.name, ...(s.description !== undefined && { description: s.description }) })),
    cells: gridOf(scenario, selection, boxes).length,
  };
}

/** A unit of the runner as the reporters name it. */
export function unitRef(scenario: string, unit: { state: { name: string }; client: string; sites: readonly string[]; box?: string }): UnitRef {
  return { scenario, state: unit.state.name, client: unit.client, sites: unit.sites, ...(unit.box !== undefined && { box: unit.box }) };
}

export function runPlan(base: Omit<RunPlan, 'cells'>): RunPlan {
  return { ...base, cells: base.scenarios.reduce((sum, s) => sum + s.cells, 0) };
}

/** A scenario's one-line description in the chosen language (for `tlslab list`). */
export function describe(scenario: Scenario, lang: Lang): string {
  return textIn(scenario.description, lang).trim().split('\n')[0] ?? '';
}

/** Checks, files, closing lines; sets process.exitCode (0 only when every row passed, no check failed and every report was written). */
export async function finishRun(runs: readonly ScenarioRun[], reporters: ReporterSet, options: CheckOptions, tr: Translator, wallMs: number, boxCards?: readonly BoxCard[]): Promise<void> {
  const verdict = checkDetectors(
    runs.map((r) => r.result),
    options,
  );
  const { written, failures } = await reporters.onEnd({ runs, verdict, wallMs, ...(boxCards && { boxCards }) });
  if (written.length > 0) process.stderr.write(`tlslab: ${tr.t('cli.wrote', { files: written.map((w) => relative(process.cwd(), w) || w).join(', ') })}\n`);
  for (const f of failures) process.stderr.write(`tlslab: ${tr.t('cli.reporterFailed', { reporter: f.reporter, message: f.message })}\n`);
  const all = tally(runs.flatMap((r) => r.result.rows));
  const checks = failedChecksLine(verdict, tr);
  process.stderr.write(`tlslab: ${tr.t('cli.closing', { passed: all.passed, failed: all.failed, skipped: all.skipped })}${checks ? `; ${checks}` : ''}\n`);
  process.exitCode = verdict.failed || failures.length > 0 ? 1 : exitCodeFor(runs.map((r) => r.result));
}

/** This scenario's detector checks, for the reporters that show them as the scenario ends. */
export function scenarioVerdict(run: ScenarioRun, options: CheckOptions) {
  return checkDetectors([run.result], options);
}
