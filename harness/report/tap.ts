/**
 * TAP 14: one test point per cell, then one per detector check and baseline problem; skips carry
 * their reason, failed checks a YAML block naming the cells. Machine-read: English whatever --lang says.
 */
import { join } from 'node:path';
import type { BaselineVerdict } from '../runner/detector-checks.ts';
import type { ScenarioRun } from '../runner/run-scenario.ts';
import { flakyReason, isFlaky, rowName, rowReason, statusOf } from './cells.ts';
import type { Reporter, ReporterContext } from './reporter.ts';
import { writeReportFile } from './write.ts';

function tapSafe(s: string): string {
  // '#' starts a directive in TAP, a newline would end the test point
  return s.replace(/#/g, '\\#').replace(/\s*\n\s*/g, ' ');
}

const NO_CHECKS: BaselineVerdict = { checks: [], problems: [], failed: false };

export function renderTap(runs: readonly ScenarioRun[], verdict: BaselineVerdict = NO_CHECKS): string {
  const rows = runs.flatMap((r) => r.result.rows.map((row) => ({ scenario: r.result.scenario, row })));
  const out = ['TAP version 14', `1..${rows.length + verdict.checks.length + verdict.problems.length}`];
  let n = 0;
  for (const { scenario, row } of rows) {
    const name = tapSafe(`${scenario} ${rowName(row)}`);
    n++;
    switch (statusOf(row)) {
      case 'skip':
        out.push(`ok ${n} - ${name} # SKIP ${tapSafe(rowReason(row))}`);
        break;
      case 'pass':
        out.push(`ok ${n} - ${name}${row.allowed !== undefined ? ` (allowed: ${tapSafe(row.allowed)})` : ''}${isFlaky(row) ? ` (${tapSafe(flakyReason(row))})` : ''}`);
        if (isFlaky(row)) out.push('  ---', '  flaky: true', `  attempt: ${row.attempt}`, ...(row.failedAttempts ?? []).map((f) => `  # attempt ${f.attempt}: ${tapSafe(f.reason)}`), '  ...');
        break;
      case 'fail':
        out.push(`not ok ${n} - ${name}`);
        out.push('  ---', `  message: ${JSON.stringify(rowReason(row))}`, `  expected: ${JSON.stringify(row.expected)}`, '  ...');
        break;
    }
  }
  for (const check of verdict.checks) {
    n++;
    const name = tapSafe(`${check.scenario} detector ${check.detector}: ${check.summary}`);
    if (!check.failed) {
      out.push(`ok ${n} - ${name}`);
      continue;
    }
    out.push(`not ok ${n} - ${name}`, '  ---');
    const list = (label: string, cells: ReadonlyArray<{ state: string; client: string; site: string; reason: string }>) => {
      if (cells.length === 0) return;
      out.push(`  ${label}:`, ...cells.map((c) => `    - ${JSON.stringify(`${c.state} / ${c.client} / ${c.site}: ${c.reason}`)}`));
    };
    list('lostTruePositives', check.lostTruePositives);
    list('gainedFalsePositives', check.gainedFalsePositives);
    list('missingCells', check.missingCells);
    if (!check.score) out.push(`  message: ${JSON.stringify(check.summary)}`);
    out.push('  ...');
  }
  for (const problem of verdict.problems) {
    n++;
    out.push(`${verdict.failed ? 'not ok' : 'ok'} ${n} - ${tapSafe(`baseline: ${problem}`)}`);
  }
  return out.join('\n') + '\n';
}

/** The tap reporter: DIR/results.tap for the whole run. */
export function tapReporter({ outDir }: ReporterContext): Reporter {
  return { onEnd: async ({ runs, verdict }) => [await writeReportFile(join(outDir, 'results.tap'), renderTap(runs, verdict))] };
}
