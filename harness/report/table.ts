/**
 * The console grid: one row per state/site (and box, when rows of several boxes share the grid),
 * one column per client. Plain text unless writing to a terminal, so logs and CI output stay readable.
 */
import { english, type Translator } from '../i18n/translate.ts';
import type { DetectorCheck } from '../runner/detector-checks.ts';
import type { ScenarioRun } from '../runner/run-scenario.ts';
import { tally, type ResultRow } from '../runner/results.ts';
import { cellText, flakyReason, isFlaky, rowName, rowReason, statusOf, type CellStatus } from './cells.ts';
import { gridAxes } from './grid.ts';

export interface TableOptions {
  color: boolean;
  /** columns available; a grid wider than this is split into blocks of clients (default 200) */
  width?: number;
  /** this scenario's detector checks: a failed one is named in the closing line */
  detectorChecks?: readonly DetectorCheck[];
  tr?: Translator;
}

const COLORS: Record<CellStatus, string> = { pass: '\x1b[32m', fail: '\x1b[31m', skip: '\x1b[2m' };
const RESET = '\x1b[0m';

export function textWidth(s: string): number {
  return [...s].length;
}

function pad(s: string, n: number): string {
  return s + ' '.repeat(Math.max(0, n - textWidth(s)));
}

export function renderTable(run: ScenarioRun, opts: TableOptions): string {
  const tr = opts.tr ?? english;
  const { rows } = run.result;
  const axes = gridAxes(rows);
  const { clients } = axes;
  const leading = axes.boxes ? 3 : 2;

  const header = [tr.t('grid.state'), ...(axes.boxes ? [tr.t('grid.box')] : []), tr.t('grid.site'), ...clients];
  const lines: { cells: string[]; statuses: (CellStatus | undefined)[] }[] = [];
  for (const line of axes.lines) {
    const cellRows = clients.map((c) => axes.cell(line, c));
    lines.push({
      cells: [line.firstOfState ? line.state : '', ...(axes.boxes ? [line.firstOfBox ? (line.box ?? '') : ''] : []), line.site, ...cellRows.map((r) => (r ? cellText(r, 26, tr) : ''))],
      statuses: [...Array<undefined>(leading).fill(undefined), ...cellRows.map((r) => r && statusOf(r))],
    });
  }
  const widths = header.map((h, col) => Math.max(textWidth(h), ...lines.map((l) => textWidth(l.cells[col] ?? ''))));
  const paint = (text: string, status: CellStatus | undefined) => (opts.color && status ? `${COLORS[status]}${text}${RESET}` : text);
  const render = (columns: readonly number[], cells: string[], statuses: (CellStatus | undefined)[] = []) =>
    columns.map((col) => paint(pad(cells[col] ?? '', widths[col] ?? 0), statuses[col])).join('  ').trimEnd();

  const out: string[] = [];
  const t = tally(rows);
  out.push(`${run.result.scenario} (${run.result.runtime})`);
  const blocks = clientBlocks(widths, leading, opts.width ?? 200);
  for (const [i, block] of (blocks.length ? blocks : [[]]).entries()) {
    const columns = [...Array(leading).keys(), ...block];
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
  const checks = failedChecks.length
    ? tr.t('summary.failedChecks', { failed: failedChecks.length, total: opts.detectorChecks!.length, names: failedChecks.map((c) => c.detector).join(', ') })
    : '';
  out.push(
    tr.t('summary.rows', {
      total: t.total,
      passed: t.passed,
      allowed: t.allowed ? tr.t('summary.allowed', { count: t.allowed }) : '',
      failed: t.failed,
      skipped: t.skipped,
      checks,
      time: tr.seconds(run.wallMs),
    }),
  );
  out.push(...notes(rows, tr));
  return out.join('\n') + '\n';
}

/**
 * Client columns (indexes from `leading`) grouped so each block, with the state, box and site
 * columns in front, fits the width: ten clients side by side would wrap in any terminal and CI log.
 */
function clientBlocks(widths: readonly number[], leading: number, maxWidth: number): number[][] {
  const fixed = widths.slice(0, leading).reduce((sum, w) => sum + w + 2, -2);
  const blocks: number[][] = [];
  let current: number[] = [];
  let used = fixed;
  for (let col = leading; col < widths.length; col++) {
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
function notes(rows: readonly ResultRow[], tr: Translator): string[] {
  const out: string[] = [];
  for (const r of rows.filter((x) => statusOf(x) === 'fail')) out.push(`  ✗ ${rowName(r)}: ${rowReason(r, tr)}`);
  for (const r of rows.filter(isFlaky)) out.push(`  ± ${rowName(r)}: ${flakyReason(r, tr)}`);
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
  grouped((r) => r.skipped, `– ${tr.t('cell.skipped')}`);
  grouped((r) => (r.pass ? r.allowed : undefined), `* ${tr.t('notes.allowed')}`);
  return out;
}
