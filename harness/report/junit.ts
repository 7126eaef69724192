/**
 * JUnit XML: one testsuite per scenario with a testcase per cell (classname = scenario.state.client),
 * (a flaky one passes with a <flakyFailure> per failed try), and one "<scenario> detectors" testsuite with a testcase per detector check, so a detector that
 * regressed against the baseline is a red test in any CI's test tab, not only a red exit code.
 * Machine-read: English whatever --lang says.
 */
import { join } from 'node:path';
import type { BaselineVerdict } from '../runner/detector-checks.ts';
import type { ScenarioRun } from '../runner/run-scenario.ts';
import { tally } from '../runner/results.ts';
import { flakyReason, isFlaky, rowReason, statusOf } from './cells.ts';
import { renderBaselineVerdict } from './detectors.ts';
import type { Reporter, ReporterContext } from './reporter.ts';
import { writeReportFile } from './write.ts';

export function xmlEscape(s: string): string {
  return s
    // characters XML 1.0 cannot carry at all (stray control bytes from a client's stderr)
    .replace(/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const NO_CHECKS: BaselineVerdict = { checks: [], problems: [], failed: false };

export function renderJunit(runs: readonly ScenarioRun[], verdict: BaselineVerdict = NO_CHECKS): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const rowsTally = tally(runs.flatMap((r) => r.result.rows));
  const checkFailures = verdict.checks.filter((c) => c.failed).length;
  const problemFailures = verdict.failed ? verdict.problems.length : 0;
  const tests = rowsTally.total + verdict.checks.length + verdict.problems.length;
  const failures = rowsTally.failed + checkFailures + problemFailures;
  const seconds = (ms: number) => (ms / 1000).toFixed(3);
  out.push(`<testsuites name="tlslab" tests="${tests}" failures="${failures}" skipped="${rowsTally.skipped}" time="${seconds(runs.reduce((s, r) => s + r.wallMs, 0))}">`);
  for (const run of runs) {
    const { scenario, runtime, rows } = run.result;
    const t = tally(rows);
    out.push(`  <testsuite name="${xmlEscape(scenario)}" tests="${t.total}" failures="${t.failed}" errors="0" skipped="${t.skipped}" time="${seconds(run.wallMs)}">`);
    out.push(`    <properties><property name="runtime" value="${xmlEscape(runtime)}"/></properties>`);
    for (const row of rows) {
      const open = `    <testcase classname="${xmlEscape(`${scenario}.${row.state}.${row.client}`)}" name="${xmlEscape(row.box !== undefined ? `${row.site} [${row.box}]` : row.site)}"`;
      const status = statusOf(row);
      if (status === 'pass' && row.allowed === undefined && !isFlaky(row)) {
        out.push(`${open}/>`);
        continue;
      }
      out.push(`${open}>`);
      if (status === 'skip') out.push(`      <skipped message="${xmlEscape(rowReason(row))}"/>`);
      else if (status === 'fail') out.push(`      <failure message="${xmlEscape(rowReason(row))}" type="expectation"/>`);
      else {
        // surefire's flakyFailure: CI test tabs (Jenkins, GitLab) show the test passed and flaky
        for (const f of isFlaky(row) ? (row.failedAttempts ?? []) : []) out.push(`      <flakyFailure message="${xmlEscape(`attempt ${f.attempt}: ${f.reason}`)}" type="expectation"/>`);
        const notes = [row.allowed !== undefined ? `allowed: ${row.allowed}` : undefined, isFlaky(row) ? flakyReason(row) : undefined].filter(Boolean).join('\n');
        out.push(`      <system-out>${xmlEscape(notes)}</system-out>`);
      }
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
    const checks = verdict.checks.filter((c) => c.scenario === scenario);
    if (checks.length === 0) continue;
    const failed = checks.filter((c) => c.failed).length;
    out.push(`  <testsuite name="${xmlEscape(`${scenario} detectors`)}" tests="${checks.length}" failures="${failed}" errors="0" skipped="0">`);
    for (const check of checks) {
      const open = `    <testcase classname="${xmlEscape(`${scenario}.detectors`)}" name="${xmlEscape(check.detector)}"`;
      if (!check.failed) {
        out.push(`${open}><system-out>${xmlEscape(check.summary)}</system-out></testcase>`);
        continue;
      }
      const body = renderBaselineVerdict({ ...verdict, checks: [check], problems: [] }, scenario);
      out.push(`${open}>`, `      <failure message="${xmlEscape(check.summary)}" type="detector-regression">${xmlEscape(body)}</failure>`, '    </testcase>');
    }
    out.push('  </testsuite>');
  }
  if (verdict.problems.length > 0) {
    out.push(`  <testsuite name="baseline" tests="${verdict.problems.length}" failures="${problemFailures}" errors="0" skipped="0">`);
    for (const problem of verdict.problems) {
      const open = `    <testcase classname="baseline" name="${xmlEscape(problem)}"`;
      out.push(verdict.failed ? `${open}><failure message="${xmlEscape(problem)}" type="baseline"/></testcase>` : `${open}/>`);
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}

/** The junit reporter: DIR/junit.xml for the whole run. */
export function junitReporter({ outDir }: ReporterContext): Reporter {
  return { onEnd: async ({ runs, verdict }) => [await writeReportFile(join(outDir, 'junit.xml'), renderJunit(runs, verdict))] };
}
