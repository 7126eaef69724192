/** How one row reads in a short, human form; shared by the table, TAP and JUnit reporters. */
import { describeActual } from '../scenario/expectations.ts';
import type { ResultRow } from '../runner/results.ts';

export type CellStatus = 'pass' | 'fail' | 'skip';

export function statusOf(row: ResultRow): CellStatus {
  if (row.skipped !== undefined) return 'skip';
  return row.pass ? 'pass' : 'fail';
}

export function actualText(row: ResultRow): string {
  if (row.actual.detail?.startsWith('shim failed')) return 'shim-failed';
  return describeActual({ outcome: row.actual.outcome, ...(row.actual.error !== null && { error: row.actual.error }) });
}

/** `✓ exit-60`, `✗ loaded≠exit-60` (actual≠expected), `– skipped`; allowed deviations get a `*`. */
export function cellText(row: ResultRow, maxErrorLength = 26): string {
  const shorten = (s: string) => (s.length > maxErrorLength ? `${s.slice(0, maxErrorLength - 1)}…` : s);
  switch (statusOf(row)) {
    case 'skip':
      return '– skipped';
    case 'pass':
      return `✓ ${shorten(actualText(row))}${row.allowed !== undefined ? '*' : ''}`;
    case 'fail':
      return `✗ ${shorten(actualText(row))}≠${shorten(row.expected)}`;
  }
}

/** One line naming the cell: `not-installed curl@vk.com`. */
export function rowName(row: ResultRow): string {
  return `${row.state} ${row.client}@${row.site}`;
}

/** Why a row failed or was skipped, in one line. */
export function rowReason(row: ResultRow): string {
  if (row.skipped !== undefined) return row.skipped;
  const detail = row.actual.detail ? `: ${row.actual.detail.split('\n').filter(Boolean).slice(-1)[0] ?? ''}` : '';
  return `expected ${row.expected}, got ${actualText(row)}${detail}`;
}
