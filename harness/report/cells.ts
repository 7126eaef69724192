/** How one row reads in a short, human form; shared by the table, TAP, JUnit, progress and HTML reporters. */
import { english, type Translator } from '../i18n/translate.ts';
import { describeActual } from '../scenario/expectations.ts';
import type { ResultRow } from '../runner/results.ts';

export type CellStatus = 'pass' | 'fail' | 'skip';

export function statusOf(row: ResultRow): CellStatus {
  if (row.skipped !== undefined) return 'skip';
  return row.pass ? 'pass' : 'fail';
}

/** Passed on a retry after failing: the row passes, and every reporter shows it flaky. */
export function isFlaky(row: ResultRow): boolean {
  return row.flaky === true && statusOf(row) === 'pass';
}

/** `flaky: passed on attempt 2 (attempt 1: expected exit-60, got loaded)` */
export function flakyReason(row: ResultRow, tr: Translator = english): string {
  const earlier = (row.failedAttempts ?? []).map((f) => `#${f.attempt}: ${f.reason}`).join('; ');
  return tr.t('reason.flaky', { attempt: row.attempt ?? 1, earlier });
}

/** The verdict in the scenario's own vocabulary (loaded, exit-60, …): never translated, it is what a YAML file says. */
export function actualText(row: ResultRow): string {
  if (row.actual.detail?.startsWith('shim failed')) return 'shim-failed';
  return describeActual({ outcome: row.actual.outcome, ...(row.actual.error !== null && { error: row.actual.error }) });
}

/** `✓ exit-60`, `✗ loaded≠exit-60` (actual≠expected), `– skipped`; allowed deviations get a `*`, flaky ones `(flaky)`. */
export function cellText(row: ResultRow, maxErrorLength = 26, tr: Translator = english): string {
  const shorten = (s: string) => (s.length > maxErrorLength ? `${s.slice(0, maxErrorLength - 1)}…` : s);
  switch (statusOf(row)) {
    case 'skip':
      return `– ${tr.t('cell.skipped')}`;
    case 'pass':
      return `✓ ${shorten(actualText(row))}${row.allowed !== undefined ? '*' : ''}${isFlaky(row) ? ` (${tr.t('cell.flaky')})` : ''}`;
    case 'fail':
      return `✗ ${shorten(actualText(row))}≠${shorten(row.expected)}`;
  }
}

/** One line naming the cell: `not-installed curl@vk.com` (`… [mitmproxy]` when the grid has boxes). */
export function rowName(row: ResultRow): string {
  return `${row.state} ${row.client}@${row.site}${row.box !== undefined ? ` [${row.box}]` : ''}`;
}

/** Why a row failed or was skipped, in one line. */
export function rowReason(row: ResultRow, tr: Translator = english): string {
  if (row.skipped !== undefined) return row.skipped;
  const detail = row.actual.detail ? `: ${row.actual.detail.split('\n').filter(Boolean).slice(-1)[0] ?? ''}` : '';
  const attempts = row.failedAttempts?.length ? `; ${tr.t('reason.allAttempts', { count: row.failedAttempts.length + 1 })}` : '';
  return tr.t('reason.expectedGot', { expected: row.expected, actual: actualText(row) }) + detail + attempts;
}
