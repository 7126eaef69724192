/**
 * Scores detectors against the lab's ground truth, cell by cell, and compares a run with a
 * baseline results.json. A skipped finding is no verdict: it counts in none of TP/FP/TN/FN.
 *
 * Zero denominators: precision with nothing flagged is 1 (no false alarm was raised) and recall
 * with nothing intercepted is 1 (nothing was missed). The counts stay beside the ratios, so a
 * detector that never fires still shows tp 0 against its fn.
 */
import { z } from 'zod';
import type { CellFindings } from './run.ts';
import { isSkip } from './types.ts';
import { UserError } from '../errors.ts';

export const scoredCellSchema = z.object({
  state: z.string(),
  client: z.string(),
  site: z.string(),
  /** ground truth: the connection was intercepted */
  truth: z.boolean(),
  /** null: the detector skipped this cell */
  flagged: z.boolean().nullable(),
  confidence: z.number().optional(),
  reason: z.string(),
});

export const detectorScoreSchema = z.object({
  name: z.string(),
  tp: z.number().int(),
  fp: z.number().int(),
  tn: z.number().int(),
  fn: z.number().int(),
  skipped: z.number().int(),
  precision: z.number(),
  recall: z.number(),
  cells: z.array(scoredCellSchema),
});

export type ScoredCell = z.infer<typeof scoredCellSchema>;
export type DetectorScore = z.infer<typeof detectorScoreSchema>;

export function precisionOf(tp: number, fp: number): number {
  return tp + fp === 0 ? 1 : tp / (tp + fp);
}

export function recallOf(tp: number, fn: number): number {
  return tp + fn === 0 ? 1 : tp / (tp + fn);
}

/** One score per detector, in the order the detectors first appear in the findings. */
export function scoreDetectors(results: readonly CellFindings[]): DetectorScore[] {
  const scores = new Map<string, DetectorScore>();
  for (const { evidence, findings } of results) {
    for (const { detector, finding } of findings) {
      let score = scores.get(detector);
      if (!score) {
        score = { name: detector, tp: 0, fp: 0, tn: 0, fn: 0, skipped: 0, precision: 1, recall: 1, cells: [] };
        scores.set(detector, score);
      }
      const truth = evidence.groundTruth.intercepted;
      const cell = { state: evidence.state, client: evidence.client, site: evidence.site, truth };
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
}

const baselineSchema = z.object({ detectors: z.array(detectorScoreSchema) });

/**
 * Cells are matched by detector, state, client and site; cells or detectors present on one side
 * only are not regressions (a filtered run, a newly added detector).
 */
export function compareToBaseline(current: readonly DetectorScore[], baselineResultsJson: unknown): BaselineComparison {
  const parsedJson = typeof baselineResultsJson === 'string' ? parseJsonText(baselineResultsJson) : baselineResultsJson;
  const baseline = baselineSchema.safeParse(parsedJson);
  if (!baseline.success) {
    throw new UserError(`baseline results are not usable: detectors[] ${z.prettifyError(baseline.error)}`);
  }
  const baselineCells = new Map<string, ScoredCell>();
  for (const score of baseline.data.detectors) {
    for (const cell of score.cells) baselineCells.set(keyOf(score.name, cell), cell);
  }
  const comparison: BaselineComparison = { lostTruePositives: [], gainedFalsePositives: [] };
  for (const score of current) {
    for (const cell of score.cells) {
      const before = baselineCells.get(keyOf(score.name, cell));
      if (!before) continue;
      const regressed = { ...cell, detector: score.name, baselineReason: before.reason };
      if (cell.truth && before.truth && before.flagged === true && cell.flagged !== true) {
        comparison.lostTruePositives.push(regressed);
      }
      if (!cell.truth && cell.flagged === true && before.flagged !== true) {
        comparison.gainedFalsePositives.push(regressed);
      }
    }
  }
  return comparison;
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
