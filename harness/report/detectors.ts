/** Console summary of detector scores, and of the checks against a baseline. */
import { english, type Translator } from '../i18n/translate.ts';
import type { DetectorScore } from '../../lab/detectors/index.ts';
import type { BaselineVerdict, DetectorCheck } from '../runner/detector-checks.ts';
import { textWidth } from './table.ts';

/**
 * Scores as a small table under its own title and rule, so it never reads as part of the grid
 * above it; "—" where a ratio has nothing to be computed from.
 */
export function renderDetectorScores(scenario: string, scores: readonly DetectorScore[], tr: Translator = english): string {
  if (scores.length === 0) return '';
  if (scores.some((s) => s.box !== undefined)) return renderDetectorBoxMatrix(scenario, scores, tr);
  const ratio = (x: number | null) => (x === null ? '—' : tr.decimal(x, 2));
  const header = [tr.t('scores.detector'), 'TP', 'FP', 'TN', 'FN', tr.t('scores.skipped'), tr.t('scores.unreachable'), tr.t('scores.precision'), tr.t('scores.recall')];
  const rows = scores.map((s) => [s.name, s.tp, s.fp, s.tn, s.fn, s.skipped, s.unreachable, ratio(s.precision), ratio(s.recall)].map(String));
  const widths = header.map((h, i) => Math.max(textWidth(h), ...rows.map((r) => textWidth(r[i]!))));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c + ' '.repeat(widths[i]! - textWidth(c)) : ' '.repeat(widths[i]! - textWidth(c)) + c)).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [tr.t('scores.title', { scenario }), line(header), rule, ...rows.map(line)].join('\n') + '\n';
}

/**
 * Several boxes on one grid: one line per detector, one column per box, each cell its
 * TP/FP/TN/FN and recall there, so a detector that only knows one box's tells shows at a glance.
 */
function renderDetectorBoxMatrix(scenario: string, scores: readonly DetectorScore[], tr: Translator): string {
  const boxes = [...new Set(scores.map((s) => s.box ?? ''))];
  const detectors = [...new Set(scores.map((s) => s.name))];
  const cell = (s: DetectorScore | undefined) => (s ? `${s.tp}/${s.fp}/${s.tn}/${s.fn} ${s.recall === null ? '—' : tr.decimal(s.recall, 2)}` : '');
  const header = [tr.t('scores.detector'), ...boxes];
  const rows = detectors.map((name) => [name, ...boxes.map((box) => cell(scores.find((s) => s.name === name && (s.box ?? '') === box)))]);
  const widths = header.map((h, i) => Math.max(textWidth(h), ...rows.map((r) => textWidth(r[i]!))));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c + ' '.repeat(widths[i]! - textWidth(c)) : ' '.repeat(widths[i]! - textWidth(c)) + c)).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [tr.t('scores.title', { scenario }), line(header), rule, ...rows.map(line), tr.t('scores.matrixLegend')].join('\n') + '\n';
}

function cellLines(check: DetectorCheck, tr: Translator, limit = 20): string[] {
  const cell = (c: { state: string; client: string; site: string }) => `${c.state} / ${c.client} / ${c.site}`;
  const lines = [
    ...check.lostTruePositives.map((c) => tr.t('baseline.lostTruePositive', { cell: cell(c), reason: c.baselineReason })),
    ...check.gainedFalsePositives.map((c) => tr.t('baseline.gainedFalsePositive', { cell: cell(c), reason: c.reason })),
    ...check.missingCells.map((c) => tr.t('baseline.notScoredNow', { cell: cell(c), reason: c.reason })),
  ];
  return lines.length > limit ? [...lines.slice(0, limit), tr.t('baseline.andMore', { count: lines.length - limit })] : lines;
}

/** What each failed check and each baseline problem was; empty when nothing failed or was compared. */
export function renderBaselineVerdict(verdict: BaselineVerdict, scenario?: string, tr: Translator = english): string {
  if (!verdict.source) return '';
  const checks = verdict.checks.filter((c) => scenario === undefined || c.scenario === scenario);
  const out: string[] = [];
  for (const check of checks.filter((c) => c.failed || c.lostTruePositives.length + c.gainedFalsePositives.length + c.missingCells.length > 0)) {
    out.push(`${check.failed ? '✗' : '!'} ${check.scenario} ${check.detector}: ${check.summary}`);
    out.push(...cellLines(check, tr).map((l) => `    ${l}`));
  }
  if (scenario === undefined) out.push(...verdict.problems.map((p) => baselineProblemLine(verdict, p, tr)));
  if (out.length === 0 && checks.length > 0) out.push(tr.t('baseline.noRegression', { where: scenario ? ` (${scenario})` : '', source: verdict.source }));
  return out.length ? out.join('\n') + '\n' : '';
}

export function baselineProblemLine(verdict: BaselineVerdict, problem: string, tr: Translator = english): string {
  return `${verdict.failed ? '✗' : '!'} ${tr.t('baseline.problem', { problem })}`;
}

/** "2 of 12 detector checks failed" or undefined when none failed. */
export function failedChecksLine(verdict: BaselineVerdict, tr: Translator = english): string | undefined {
  const failed = verdict.checks.filter((c) => c.failed).length;
  const problems = verdict.failed ? verdict.problems.length : 0;
  if (failed === 0 && problems === 0) return undefined;
  const parts = [
    ...(failed ? [tr.t('checks.failed', { failed, total: verdict.checks.length, count: verdict.checks.length })] : []),
    ...(problems ? [tr.t('checks.problems', { count: problems })] : []),
  ];
  return parts.join(', ');
}
