/**
 * The results contract (DESIGN.md): CI, dashboards and regression diffs read results.json, so
 * these shapes only ever grow by optional fields.
 */
import type { ChainSeen, Outcome } from '../../lab/clients/types.ts';
import type { DetectorScore } from '../../lab/detectors/index.ts';

export interface ResultChain {
  leafSubject: string;
  issuer: string;
  leafSpkiSha256: string;
  rootSpkiSha256: string | null;
}

export interface ResultRow {
  state: string;
  client: string;
  site: string;
  /** loaded | refused | flagged | an exact error */
  expected: string;
  actual: {
    outcome: Outcome;
    error: string | null;
    chain: ResultChain | null;
    /** what a human needs to understand the verdict (stderr tail, a shim's crash) */
    detail?: string;
  };
  pass: boolean;
  /** present when the row was not run: the reason (never counted as passed or failed) */
  skipped?: string;
  /** present when the row deviated from its expectation but an allow-list entry covers it: the reason */
  allowed?: string;
}

/** Where the box sits on the client's path, from TTL-limited ClientHellos (netns runtime only). */
export interface ResultLocalisation {
  site: string;
  /** smallest TTL that drew the forged certificate for site (null: never forged) */
  interceptorHop: number | null;
  interceptorHost: string | null;
  /** the untargeted site probed for comparison */
  control: string;
  /** smallest TTL that drew control's genuine certificate: the origins' hop */
  originHop: number | null;
  originHost: string | null;
  /** wall time of all TTL sweeps of the scenario */
  ms: number;
}

export interface ScenarioResult {
  scenario: string;
  runtime: string;
  rows: ResultRow[];
  detectors: DetectorScore[];
  /** present when the scenario asks for it (path.localise) and the runtime could probe */
  localisation?: ResultLocalisation;
}

export function toResultChain(chain: ChainSeen | undefined): ResultChain | null {
  if (!chain) return null;
  return {
    leafSubject: chain.leafSubject,
    issuer: chain.issuer,
    leafSpkiSha256: chain.leafSpkiSha256,
    rootSpkiSha256: chain.rootSpkiSha256 ?? null,
  };
}

export interface Tally {
  total: number;
  passed: number;
  failed: number;
  skipped: number;
  allowed: number;
}

export function tally(rows: readonly ResultRow[]): Tally {
  const t: Tally = { total: rows.length, passed: 0, failed: 0, skipped: 0, allowed: 0 };
  for (const r of rows) {
    if (r.skipped !== undefined) t.skipped++;
    else if (r.pass) {
      t.passed++;
      if (r.allowed !== undefined) t.allowed++;
    } else t.failed++;
  }
  return t;
}

/** 0 iff every row that ran passed. */
export function exitCodeFor(results: readonly ScenarioResult[]): 0 | 1 {
  return results.some((r) => r.rows.some((row) => row.skipped === undefined && !row.pass)) ? 1 : 0;
}
