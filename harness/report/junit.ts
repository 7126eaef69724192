/** JUnit XML: one testsuite per scenario, one testcase per cell (classname = scenario.state.client). */
import type { ScenarioRun } from '../runner/run-scenario.ts';
import { tally } from '../runner/results.ts';
import { rowReason, statusOf } from './cells.ts';

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

export function renderJunit(runs: readonly ScenarioRun[]): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const all = runs.flatMap((r) => r.result.rows);
  const total = tally(all);
  const seconds = (ms: number) => (ms / 1000).toFixed(3);
  out.push(
    `<testsuites name="tlslab" tests="${total.total}" failures="${total.failed}" skipped="${total.skipped}" time="${seconds(runs.reduce((s, r) => s + r.wallMs, 0))}">`,
  );
  for (const run of runs) {
    const { scenario, runtime, rows } = run.result;
    const t = tally(rows);
    out.push(
      `  <testsuite name="${xmlEscape(scenario)}" tests="${t.total}" failures="${t.failed}" errors="0" skipped="${t.skipped}" time="${seconds(run.wallMs)}">`,
    );
    out.push(`    <properties><property name="runtime" value="${xmlEscape(runtime)}"/></properties>`);
    for (const row of rows) {
      const open = `    <testcase classname="${xmlEscape(`${scenario}.${row.state}.${row.client}`)}" name="${xmlEscape(row.site)}"`;
      const status = statusOf(row);
      if (status === 'pass' && row.allowed === undefined) {
        out.push(`${open}/>`);
        continue;
      }
      out.push(`${open}>`);
      if (status === 'skip') out.push(`      <skipped message="${xmlEscape(rowReason(row))}"/>`);
      else if (status === 'fail') out.push(`      <failure message="${xmlEscape(rowReason(row))}" type="expectation"/>`);
      else out.push(`      <system-out>${xmlEscape(`allowed: ${row.allowed}`)}</system-out>`);
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}
