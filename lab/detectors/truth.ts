/**
 * The ground truth of one cell, as scoring reads it. It comes from the box's and the origin's own
 * records of the cell's connections (lab/runtime/cell-truth.ts), never from a detector's evidence.
 */
import { z } from 'zod';

export const cellTruthSchema = z.object({
  /**
   * intercepted: a connection of the cell was served a chain the box forged; clean: the client got
   * through without one; unreachable: the client never reached the box nor the origin (proxy or
   * route error, a shim that crashed, a timeout before TLS), so no detector can be judged on it
   */
  status: z.enum(['intercepted', 'clean', 'unreachable']),
  reason: z.string(),
});

export type CellTruth = z.infer<typeof cellTruthSchema>;

/** true / false for scoring, null when the cell is excluded from it */
export function interceptedOf(truth: CellTruth): boolean | null {
  return truth.status === 'unreachable' ? null : truth.status === 'intercepted';
}
