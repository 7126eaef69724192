/** TAP 14: one test point per cell; skips carry their reason, allowed deviations a TODO-free note. */
import type { ScenarioRun } from '../runner/run-scenario.ts';
import { rowReason, statusOf } from './cells.ts';

function tapSafe(s: string): string {
  // '#' starts a directive in TAP, a newline would end the test point
  return s.replace(/#/g, '\\#').replace(/\s*\n\s*/g, ' ');
}

export function renderTap(runs: readonly ScenarioRun[]): string {
  const rows = runs.flatMap((r) => r.result.rows.map((row) => ({ scenario: r.result.scenario, row })));
  const out = ['TAP version 14', `1..${rows.length}`];
  rows.forEach(({ scenario, row }, i) => {
    const name = tapSafe(`${scenario} ${row.state} ${row.client}@${row.site}`);
    switch (statusOf(row)) {
      case 'skip':
        out.push(`ok ${i + 1} - ${name} # SKIP ${tapSafe(rowReason(row))}`);
        break;
      case 'pass':
        out.push(`ok ${i + 1} - ${name}${row.allowed !== undefined ? ` (allowed: ${tapSafe(row.allowed)})` : ''}`);
        break;
      case 'fail':
        out.push(`not ok ${i + 1} - ${name}`);
        out.push('  ---', `  message: ${JSON.stringify(rowReason(row))}`, `  expected: ${JSON.stringify(row.expected)}`, '  ...');
        break;
    }
  });
  return out.join('\n') + '\n';
}
