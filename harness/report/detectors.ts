/** Console summary of detector scores, and of cells that regressed against a baseline. */
import type { BaselineComparison, DetectorScore } from '../../lab/detectors/index.ts';

const ratio = (x: number) => x.toFixed(2);

export function renderDetectorScores(scenario: string, scores: readonly DetectorScore[]): string {
  if (scores.length === 0) return '';
  const header = `detectors (${scenario})`.padEnd(28) + 'TP   FP   TN   FN   precision  recall';
  const lines = scores.map(
    (s) =>
      `  ${s.name.padEnd(26)}${String(s.tp).padEnd(5)}${String(s.fp).padEnd(5)}${String(s.tn).padEnd(5)}${String(s.fn).padEnd(5)}` +
      `${ratio(s.precision).padEnd(11)}${ratio(s.recall)}`,
  );
  return [header, ...lines].join('\n') + '\n';
}

export function renderRegressions(comparison: BaselineComparison): string {
  const cell = (c: BaselineComparison['lostTruePositives'][number]) => `${c.detector}: ${c.state} / ${c.client} / ${c.site}`;
  return [
    ...comparison.lostTruePositives.map((c) => `lost true positive   ${cell(c)} (was: ${c.baselineReason})`),
    ...comparison.gainedFalsePositives.map((c) => `gained false positive ${cell(c)} (now: ${c.reason})`),
  ].join('\n') + '\n';
}
