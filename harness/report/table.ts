/**
 * The console grid: one row per state/site, one column per client. Plain text unless writing to
 * a terminal, so logs and CI output stay readable.
 */
import type { DetectorCheck } from '../runner/detector-checks.ts';
import type { ScenarioRun } from '../runner/run-scenario.ts';
import { tally, type ResultRow } from '../runner/results.ts';
import { cellText, rowName, rowReason, statusOf, type CellStatus } from './cells.ts';

export interface TableOptions {
  color: boolean;
  /** columns available; a grid wider than this is split into blocks of clients (default 200) */
  width?: number;
  /** this scenario's detector checks: a failed one is named in the closing line */
  detectorChecks?: readonly DetectorCheck[];
}

const COLORS: Record<CellStatus, string> = { pass: '\x1b[32m', fail: '\x1b[31m', skip: '\x1b[2m' };
const RESET = '\x1b[0m';

function width(s: string): number {
  return [...s].length;
}

function pad(s: string, n: number): string {
  return s + ' '.repeat(Math.max(0, n - width(s)));
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

export function renderTable(run: ScenarioRun, opts: TableOptions): string {
  const { rows } = run.result;
  const clients = unique(rows.map((r) => r.client));
  const states = unique(rows.map((r) => r.state));
  const sites = unique(rows.map((r) => r.site));
  const byKey = new Map(rows.map((r) => [`${r.state}\0${r.site}\0${r.client}`, r]));

  const header = ['state', 'site', ...clients];
  const lines: { cells: string[]; statuses: (CellStatus | undefined)[] }[] = [];
  for (const state of states) {
    sites.forEach((site, i) => {
      const cellRows = clients.map((c) => byKey.get(`${state}\0${site}\0${c}`));
      lines.push({
        cells: [i === 0 ? state : '', site, ...cellRows.map((r) => (r ? cellText(r) : ''))],
        statuses: [undefined, undefined, ...cellRows.map((r) => r && statusOf(r))],
      });
    });
  }
  const widths = header.map((h, col) => Math.max(width(h), ...lines.map((l) => width(l.cells[col] ?? ''))));
  const paint = (text: string, status: CellStatus | undefined) => (opts.color && status ? `${COLORS[status]}${text}${RESET}` : text);
  const render = (columns: readonly number[], cells: string[], statuses: (CellStatus | undefined)[] = []) =>
    columns.map((col) => paint(pad(cells[col] ?? '', widths[col] ?? 0), statuses[col])).join('  ').trimEnd();

  const out: string[] = [];
  const t = tally(rows);
  out.push(`${run.result.scenario} (${run.result.runtime})`);
  for (const [i, block] of (clientBlocks(widths, opts.width ?? 200).at(0) ? clientBlocks(widths, opts.width ?? 200) : [[]]).entries()) {
    const columns = [0, 1, ...block];
    if (i > 0) out.push('');
    out.push(render(columns, header));
    out.push(columns.map((col) => '-'.repeat(widths[col] ?? 0)).join('  '));
    let previousState = '';
    for (const l of lines) {
      if (l.cells[0] && previousState) out.push('');
      if (l.cells[0]) previousState = l.cells[0];
      out.push(render(columns, l.cells, l.statuses));
    }
  }
  out.push('');
  const failedChecks = (opts.detectorChecks ?? []).filter((c) => c.failed);
  const checks = failedChecks.length ? `; detectors: ${failedChecks.length} of ${opts.detectorChecks!.length} checks failed (${failedChecks.map((c) => c.detector).join(', ')})` : '';
  out.push(
    `${t.total} rows: ${t.passed} passed${t.allowed ? ` (${t.allowed} allowed)` : ''}, ${t.failed} failed, ${t.skipped} skipped${checks} — ${(run.wallMs / 1000).toFixed(1)} s`,
  );
  out.push(...notes(rows));
  return out.join('\n') + '\n';
}

/**
 * Client columns (indexes from 2) grouped so each block, with the state and site columns in front,
 * fits the width: ten clients side by side would wrap in any terminal and in CI logs.
 */
function clientBlocks(widths: readonly number[], maxWidth: number): number[][] {
  const fixed = (widths[0] ?? 0) + 2 + (widths[1] ?? 0);
  const blocks: number[][] = [];
  let current: number[] = [];
  let used = fixed;
  for (let col = 2; col < widths.length; col++) {
    const need = 2 + (widths[col] ?? 0);
    if (current.length > 0 && used + need > maxWidth) {
      blocks.push(current);
      current = [];
      used = fixed;
    }
    current.push(col);
    used += need;
  }
  if (current.length > 0) blocks.push(current);
  return blocks;
}

/** Failures one by one; skip and allow reasons once per distinct reason. */
function notes(rows: readonly ResultRow[]): string[] {
  const out: string[] = [];
  for (const r of rows.filter((x) => statusOf(x) === 'fail')) out.push(`  ✗ ${rowName(r)}: ${rowReason(r)}`);
  const grouped = (pick: (r: ResultRow) => string | undefined, mark: string) => {
    const byReason = new Map<string, Set<string>>();
    for (const r of rows) {
      const reason = pick(r);
      if (reason === undefined) continue;
      const set = byReason.get(reason) ?? new Set<string>();
      set.add(r.client);
      byReason.set(reason, set);
    }
    for (const [reason, clients] of byReason) out.push(`  ${mark} ${[...clients].join(', ')}: ${reason}`);
  };
  grouped((r) => r.skipped, '– skipped');
  grouped((r) => (r.pass ? r.allowed : undefined), '* allowed');
  return out;
}
