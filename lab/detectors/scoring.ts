/**
 * Scores detectors against the lab's ground truth, cell by cell, and compares a run with a
 * baseline results.json. A skipped finding is no verdict: it counts in none of TP/FP/TN/FN, and
 * neither does an unreachable cell (its client never reached the box or the origin).
 *
 * Zero denominators give no ratio (null): a detector that never fired or never had an intercepted
 * cell in view has no precision or recall to show, only its counts.
 */
import { z } from 'zod';
import type { CellFindings } from './run.ts';
import type { Evidence } from './evidence.ts';
import { interceptedOf, type CellTruth } from './truth.ts';
import { isSkip } from './types.ts';
import { UserError } from '../errors.ts';

export const scoredCellSchema = z.object({
  state: z.string(),
  client: z.string(),
  site: z.string(),
  /** ground truth: the cell's connection was served a forged chain; null: unreachable, not scored */
  truth: z.boolean().nullable(),
  /** null: the detector skipped this cell */
  flagged: z.boolean().nullable(),
  confidence: z.number().optional(),
  reason: z.string(),
});

export const detectorScoreSchema = z.object({
  name: z.string(),
  /** the box these cells went through, when a run compares several boxes */
  box: z.string().optional(),
  tp: z.number().int(),
  fp: z.number().int(),
  tn: z.number().int(),
  fn: z.number().int(),
  skipped: z.number().int(),
  /** cells whose client never reached the box or the origin: excluded from the counts */
  unreachable: z.number().int().default(0),
  precision: z.number().nullable(),
  recall: z.number().nullable(),
  cells: z.array(scoredCellSchema),
});

export type ScoredCell = z.infer<typeof scoredCellSchema>;
export type DetectorScore = z.infer<typeof detectorScoreSchema>;

export function precisionOf(tp: number, fp: number): number | null {
  return tp + fp === 0 ? null : tp / (tp + fp);
}

export function recallOf(tp: number, fn: number): number | null {
  return tp + fn === 0 ? null : tp / (tp + fn);
}

/**
 * One score per detector, in the order the detectors first appear in the findings. `truthOf`
 * answers from the cell's record; a cell it does not know is a harness bug, not a guess.
 */
export function scoreDetectors(results: readonly CellFindings[], truthOf: (evidence: Evidence) => CellTruth): DetectorScore[] {
  const scores = new Map<string, DetectorScore>();
  for (const { evidence, findings } of results) {
    const cellTruth = truthOf(evidence);
    const truth = interceptedOf(cellTruth);
    for (const { detector, finding } of findings) {
      let score = scores.get(detector);
      if (!score) {
        score = { name: detector, tp: 0, fp: 0, tn: 0, fn: 0, skipped: 0, unreachable: 0, precision: null, recall: null, cells: [] };
        scores.set(detector, score);
      }
      const cell = { state: evidence.state, client: evidence.client, site: evidence.site, truth };
      if (truth === null) {
        score.unreachable++;
        score.cells.push({ ...cell, flagged: isSkip(finding) ? null : finding.flagged, reason: `not scored: ${cellTruth.reason}` });
        continue;
      }
      if (isSkip(finding)) {
        score.skipped++;
        score.cells.push({ ...cell, flagged: null, reason: finding.skipped });
        continue;
      }
      if (finding.flagged) truth ? score.tp++ : score.fp++;
      else truth ? score.fn++ : score.tn++;
      score.cells.push({ ...cell, flagged: finding.flagged, confidence: finding.confidence, reason: finding.reason });
    }
  }
  for (const score of scores.values()) {
    score.precision = precisionOf(score.tp, score.fp);
    score.recall = recallOf(score.tp, score.fn);
  }
  return [...scores.values()];
}

export interface RegressedCell extends ScoredCell {
  detector: string;
  /** what the baseline said for this cell */
  baselineReason: string;
}

export interface BaselineComparison {
  /** intercepted cells the baseline flagged and this run did not (cleared or skipped) */
  lostTruePositives: RegressedCell[];
  /** clean cells this run flags and the baseline did not */
  gainedFalsePositives: RegressedCell[];
  /** detectors the baseline scored that did not run now */
  missingDetectors: string[];
  /** cells the baseline scored that this run did not score (filtered out, or unreachable now) */
  missingCells: MissingCell[];
}

export interface MissingCell {
  detector: string;
  state: string;
  client: string;
  site: string;
  /** why it is not compared: absent from this run, or this run's reason it could not score it */
  reason: string;
}

const baselineSchema = z.object({ detectors: z.array(detectorScoreSchema) });

/**
 * Cells are matched by detector, state, client and site. Lost true positives and gained false
 * positives are regressions; what the baseline scored and this run did not (a detector left out,
 * a filtered grid, a cell that became unreachable) is listed as missing, for the caller to judge:
 * a comparison that silently shrinks is a signal that stays green while the thing it guards broke.
 */
export function compareToBaseline(current: readonly DetectorScore[], baselineResultsJson: unknown): BaselineComparison {
  const parsedJson = typeof baselineResultsJson === 'string' ? parseJsonText(baselineResultsJson) : baselineResultsJson;
  const baseline = baselineSchema.safeParse(parsedJson);
  if (!baseline.success) {
    throw new UserError(`baseline results are not usable: detectors[] ${z.prettifyError(baseline.error)}`);
  }
  const currentCells = new Map<string, ScoredCell>();
  for (const score of current) for (const cell of score.cells) currentCells.set(keyOf(scoreKey(score), cell), cell);
  const running = new Set(current.map(scoreKey));
  const comparison: BaselineComparison = { lostTruePositives: [], gainedFalsePositives: [], missingDetectors: [], missingCells: [] };
  for (const score of baseline.data.detectors) {
    if (!running.has(scoreKey(score))) {
      comparison.missingDetectors.push(scoreKey(score));
      continue;
    }
    for (const before of score.cells) {
      if (before.truth === null) continue;
      const now = currentCells.get(keyOf(scoreKey(score), before));
      const where = { detector: scoreKey(score), state: before.state, client: before.client, site: before.site };
      if (!now) comparison.missingCells.push({ ...where, reason: 'not in this run' });
      else if (now.truth === null) comparison.missingCells.push({ ...where, reason: now.reason });
      else {
        const regressed = { ...now, detector: scoreKey(score), baselineReason: before.reason };
        if (now.truth && before.truth && before.flagged === true && now.flagged !== true) comparison.lostTruePositives.push(regressed);
        if (!now.truth && now.flagged === true && before.flagged !== true) comparison.gainedFalsePositives.push(regressed);
      }
    }
  }
  // a cell only this run has cannot lose a true positive, but a false alarm on it is still new
  const baselineCells = new Set(baseline.data.detectors.flatMap((score) => score.cells.map((cell) => keyOf(scoreKey(score), cell))));
  for (const score of current) {
    if (!baseline.data.detectors.some((b) => scoreKey(b) === scoreKey(score))) continue;
    for (const cell of score.cells) {
      if (!baselineCells.has(keyOf(scoreKey(score), cell)) && cell.truth === false && cell.flagged === true) {
        comparison.gainedFalsePositives.push({ ...cell, detector: scoreKey(score), baselineReason: 'not in the baseline' });
      }
    }
  }
  return comparison;
}

/** lost true positives and gained false positives (missing items are judged by the caller) */
export function regressionCount(comparison: BaselineComparison): number {
  return comparison.lostTruePositives.length + comparison.gainedFalsePositives.length;
}

/** a detector's name, with the box its cells went through when there is one ("tells@mitmproxy") */
export function scoreKey(score: { name: string; box?: string | undefined }): string {
  return score.box === undefined ? score.name : `${score.name}@${score.box}`;
}

function keyOf(detector: string, cell: Pick<ScoredCell, 'state' | 'client' | 'site'>): string {
  return [detector, cell.state, cell.client, cell.site].join('\u0000');
}

function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UserError(`baseline results are not JSON: ${(err as Error).message}`);
  }
}
