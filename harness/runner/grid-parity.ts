/**
 * Whether two runs of one scenario (on two runtimes) gave the same grid, row for row: the same
 * rows ran, and each gave the same verdict (outcome), the same exact error and a chain from the
 * same issuer, and passed or failed alike. What may differ between runtimes is left out:
 * timings, details, captures, connection ids.
 */
import type { ResultRow, ScenarioResult } from './results.ts';

export interface RowDifference {
  cell: string;
  field: 'ran' | 'outcome' | 'error' | 'issuer' | 'pass';
  a: string;
  b: string;
}

function cellKey(row: ResultRow): string {
  return `${row.box ? `${row.box}/` : ''}${row.state}/${row.client}@${row.site}`;
}

function facts(row: ResultRow): Record<Exclude<RowDifference['field'], 'ran'>, string> {
  return {
    outcome: row.actual.outcome,
    // a hop is the topology's (netns puts two routers before the box, containers one, loopback has
    // none to count); each row's own expectation holds it to its runtime's gateway hop, which `pass` compares
    error: (row.actual.error ?? '-').replace(/:hop-\d+$/, ''),
    issuer: row.actual.chain?.issuer ?? '-',
    pass: String(row.pass),
  };
}

/** Every difference between the grids; empty when they agree row for row. */
export function compareGrids(a: ScenarioResult, b: ScenarioResult): RowDifference[] {
  const rowsOf = (r: ScenarioResult) => new Map(r.rows.map((row) => [cellKey(row), row]));
  const [left, right] = [rowsOf(a), rowsOf(b)];
  const differences: RowDifference[] = [];
  for (const cell of new Set([...left.keys(), ...right.keys()])) {
    const [x, y] = [left.get(cell), right.get(cell)];
    const ran = (row: ResultRow | undefined) => (row === undefined ? 'absent' : row.skipped === undefined ? 'ran' : 'skipped');
    if (ran(x) !== 'ran' || ran(y) !== 'ran') {
      // two skips agree whatever their reasons (each runtime words its own)
      const why = (row: ResultRow | undefined) => (row?.skipped === undefined ? ran(row) : `skipped: ${row.skipped}`);
      if (ran(x) !== ran(y)) differences.push({ cell, field: 'ran', a: why(x), b: why(y) });
      continue;
    }
    const [fx, fy] = [facts(x!), facts(y!)];
    for (const field of Object.keys(fx) as (keyof typeof fx)[]) {
      if (fx[field] !== fy[field]) differences.push({ cell, field, a: fx[field], b: fy[field] });
    }
  }
  return differences;
}

export function describeDifferences(differences: readonly RowDifference[], labels: [string, string]): string {
  return differences.map((d) => `${d.cell} ${d.field}: ${labels[0]} ${d.a} | ${labels[1]} ${d.b}`).join('\n');
}
