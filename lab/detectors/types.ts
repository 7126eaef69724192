/**
 * The one interface every detector sits behind, built-in or plug-in. A finding is either a verdict
 * with a confidence or an explicit skip: a detector that lacks its evidence says so instead of
 * guessing "not intercepted", and scoring keeps skips out of TP/FP/TN/FN.
 */
import { z } from 'zod';
import type { Evidence } from './evidence.ts';

export const verdictSchema = z.object({
  flagged: z.boolean(),
  confidence: z.number().min(0).max(1),
  reason: z.string().min(1),
});
export const skipSchema = z.object({ skipped: z.string().min(1) });
export const findingSchema = z.union([verdictSchema, skipSchema]);

export type Verdict = z.infer<typeof verdictSchema>;
export type Skip = z.infer<typeof skipSchema>;
export type Finding = Verdict | Skip;

/**
 * What a detector may know about the rest of the run. Some tells only show across cells (one
 * leaf key reused for unrelated hosts), so every inspect call sees all of the run's evidence.
 */
export interface RunContext {
  readonly evidences: readonly Evidence[];
}

export interface Detector {
  readonly name: string;
  readonly description: string;
  inspect(evidence: Evidence, run?: RunContext): Finding | Promise<Finding>;
}

export function isSkip(finding: Finding): finding is Skip {
  return 'skipped' in finding;
}

export function flag(confidence: number, reason: string): Verdict {
  return { flagged: true, confidence, reason };
}

export function clear(confidence: number, reason: string): Verdict {
  return { flagged: false, confidence, reason };
}

export function skip(reason: string): Skip {
  return { skipped: reason };
}
