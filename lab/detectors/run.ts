/**
 * Runs a set of detectors over every cell of a run. Each call sees the whole run (RunContext),
 * which is how cross-cell tells work without a second pass or hidden state.
 */
import { describeCell, type Evidence } from './evidence.ts';
import type { Detector, Finding, RunContext } from './types.ts';
import { UserError } from '../errors.ts';

export interface DetectorFinding {
  detector: string;
  finding: Finding;
}

export interface CellFindings {
  evidence: Evidence;
  findings: DetectorFinding[];
}

/**
 * Every detector sees the same frozen copies: one in-process plug-in cannot change what the next
 * detector (or the scoring) reads.
 */
export async function inspectAll(detectors: readonly Detector[], evidences: readonly Evidence[]): Promise<CellFindings[]> {
  const frozen = evidences.map((e) => deepFreeze(structuredClone(e)));
  const run: RunContext = Object.freeze({ evidences: Object.freeze(frozen) });
  const results: CellFindings[] = [];
  for (const [i, evidence] of frozen.entries()) {
    const findings = await Promise.all(
      detectors.map(async (detector) => ({ detector: detector.name, finding: await inspectOne(detector, evidence, run) })),
    );
    results.push({ evidence: evidences[i]!, findings });
  }
  return results;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as Record<string, unknown>)) deepFreeze(child);
  }
  return value;
}

async function inspectOne(detector: Detector, evidence: Evidence, run: RunContext): Promise<Finding> {
  try {
    return await detector.inspect(evidence, run);
  } catch (err) {
    const where = `detector "${detector.name}" on ${describeCell(evidence)}`;
    if (err instanceof UserError) throw new UserError(`${where}: ${err.message}`, err.exitCode);
    throw new Error(`${where} failed: ${(err as Error).message}`, { cause: err });
  }
}
