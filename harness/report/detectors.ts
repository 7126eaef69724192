/** Console summary of detector scores, and of the checks against a baseline. */
import type { DetectorScore } from '../../lab/detectors/index.ts';
import type { BaselineVerdict, DetectorCheck } from '../runner/detector-checks.ts';

const ratio = (x: number | null) => (x === null ? '—' : x.toFixed(2));

/** Scores as a small table; "—" where a ratio has nothing to be computed from. */
export function renderDetectorScores(scenario: string, scores: readonly DetectorScore[]): string {
  if (scores.length === 0) return '';
  const header = ['detector', 'TP', 'FP', 'TN', 'FN', 'skipped', 'unreachable', 'precision', 'recall'];
  const rows = scores.map((s) => [s.name, s.tp, s.fp, s.tn, s.fn, s.skipped, s.unreachable, ratio(s.precision), ratio(s.recall)].map(String));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [`detectors — ${scenario}`, line(header), ...rows.map(line)].join('\n') + '\n';
}

function cellLines(check: DetectorCheck, limit = 20): string[] {
  const cell = (c: { state: string; client: string; site: string }) => `${c.state} / ${c.client} / ${c.site}`;
  const lines = [
    ...check.lostTruePositives.map((c) => `lost true positive    ${cell(c)} (was: ${c.baselineReason})`),
    ...check.gainedFalsePositives.map((c) => `gained false positive ${cell(c)} (now: ${c.reason})`),
    ...check.missingCells.map((c) => `not scored now        ${cell(c)} (${c.reason})`),
  ];
  return lines.length > limit ? [...lines.slice(0, limit), `… and ${lines.length - limit} more (results.json)`] : lines;
}

/** What each failed check and each baseline problem was; empty when nothing failed or was compared. */
export function renderBaselineVerdict(verdict: BaselineVerdict, scenario?: string): string {
  if (!verdict.source) return '';
  const checks = verdict.checks.filter((c) => scenario === undefined || c.scenario === scenario);
  const out: string[] = [];
  for (const check of checks.filter((c) => c.failed || c.lostTruePositives.length + c.gainedFalsePositives.length + c.missingCells.length > 0)) {
    out.push(`${check.failed ? '✗' : '!'} ${check.scenario} ${check.detector}: ${check.summary}`);
    out.push(...cellLines(check).map((l) => `    ${l}`));
  }
  if (scenario === undefined) out.push(...verdict.problems.map((p) => `${verdict.failed ? '✗' : '!'} baseline: ${p}`));
  if (out.length === 0 && checks.length > 0) out.push(`detectors${scenario ? ` (${scenario})` : ''}: no regression against the baseline ${verdict.source}`);
  return out.length ? out.join('\n') + '\n' : '';
}

/** "2 of 12 detector checks failed" or undefined when none failed. */
export function failedChecksLine(verdict: BaselineVerdict): string | undefined {
  const failed = verdict.checks.filter((c) => c.failed).length;
  const problems = verdict.failed ? verdict.problems.length : 0;
  if (failed === 0 && problems === 0) return undefined;
  const parts = [...(failed ? [`${failed} of ${verdict.checks.length} detector checks failed`] : []), ...(problems ? [`${problems} baseline problem${problems > 1 ? 's' : ''}`] : [])];
  return parts.join(', ');
}
