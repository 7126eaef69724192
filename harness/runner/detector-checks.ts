/**
 * Detector scores turned into checks every reporter shows the same way: one check per scenario and
 * detector, failed when it lost a true positive or gained a false positive against the baseline,
 * or when the baseline scored something this run did not (unless the user allows a partial
 * comparison). A scenario compared with nothing is a failure too: a comparison that silently
 * shrinks stays green while the detector it guards is gone.
 */
import { compareToBaseline, scoreKey, type DetectorScore } from '../../lab/detectors/index.ts';
import type { Baseline } from './baseline.ts';
import type { BaselineCheck, ScenarioResult } from './results.ts';

export interface DetectorCheck extends BaselineCheck {
  scenario: string;
  /** absent when the detector is in the baseline but did not run now */
  score?: DetectorScore;
}

export interface BaselineVerdict {
  /** the baseline given (path as typed), absent without --baseline */
  source?: string;
  checks: DetectorCheck[];
  /** whole scenarios missing on one side */
  problems: string[];
  failed: boolean;
}

export interface CheckOptions {
  baseline?: { source: string; scenarios: Baseline };
  /** a baseline detector, scenario or cell absent now is reported, not failed */
  allowMissing?: boolean;
}

function ratio(x: number | null): string {
  return x === null ? '—' : x.toFixed(2);
}

export function scoreLine(score: DetectorScore): string {
  const unreachable = score.unreachable ? `, ${score.unreachable} unreachable` : '';
  return `TP ${score.tp}, FP ${score.fp}, TN ${score.tn}, FN ${score.fn}, skipped ${score.skipped}${unreachable}; precision ${ratio(score.precision)}, recall ${ratio(score.recall)}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function checkDetectors(results: readonly ScenarioResult[], options: CheckOptions = {}): BaselineVerdict {
  const checks: DetectorCheck[] = [];
  const problems: string[] = [];
  const baseline = options.baseline?.scenarios;
  for (const result of results) {
    const before = baseline?.get(result.scenario);
    if (baseline && before === undefined) {
      problems.push(`the baseline has no results for scenario ${result.scenario}: nothing of it was compared`);
    }
    const comparison = before === undefined ? undefined : compareToBaseline(result.detectors, before);
    for (const score of result.detectors) {
      const key = scoreKey(score);
      const lost = comparison?.lostTruePositives.filter((c) => c.detector === key) ?? [];
      const gained = comparison?.gainedFalsePositives.filter((c) => c.detector === key) ?? [];
      const missingCells = comparison?.missingCells.filter((c) => c.detector === key) ?? [];
      const regressions = lost.length + gained.length;
      const failed = regressions > 0 || (missingCells.length > 0 && !options.allowMissing);
      const parts = [
        ...(lost.length ? [plural(lost.length, 'lost true positive')] : []),
        ...(gained.length ? [plural(gained.length, 'gained false positive')] : []),
        ...(missingCells.length ? [`${plural(missingCells.length, 'baseline cell')} not scored now`] : []),
      ];
      checks.push({
        scenario: result.scenario,
        detector: key,
        score,
        lostTruePositives: lost,
        gainedFalsePositives: gained,
        missingCells,
        failed,
        summary: parts.length ? `${parts.join(', ')} against the baseline (${scoreLine(score)})` : scoreLine(score),
      });
    }
    for (const detector of comparison?.missingDetectors ?? []) {
      checks.push({
        scenario: result.scenario,
        detector,
        lostTruePositives: [],
        gainedFalsePositives: [],
        missingCells: [],
        failed: !options.allowMissing,
        summary: 'scored in the baseline but did not run now',
      });
    }
  }
  if (baseline) {
    const ran = new Set(results.map((r) => r.scenario));
    for (const scenario of baseline.keys()) {
      if (!ran.has(scenario)) problems.push(`the baseline has results for scenario ${scenario}, which did not run now`);
    }
  }
  const failed = checks.some((c) => c.failed) || (problems.length > 0 && !options.allowMissing);
  return { ...(options.baseline && { source: options.baseline.source }), checks, problems, failed };
}
