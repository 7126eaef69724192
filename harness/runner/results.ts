/**
 * The results contract (docs/cli.md, results.json): CI, dashboards and regression diffs read results.json, so
 * these shapes only ever grow by optional fields.
 */
import type { ChainSeen, Observation, Outcome } from '../../lab/clients/types.ts';
import type { CellTruth, DetectorScore, MissingCell, RegressedCell } from '../../lab/detectors/index.ts';

export interface ResultChain {
  leafSubject: string;
  issuer: string;
  leafSpkiSha256: string;
  /** the root the chain reached (an anchor, or a self-signed root at its top); null when it reached none */
  rootSpkiSha256: string | null;
  /** the top certificate the client was shown */
  topSpkiSha256?: string;
}

/** Files a cell left, relative to the directory of its results.json. */
export interface ResultCapture {
  pcapng?: string;
  keylog?: string;
  problem?: string;
}

export interface ResultRow {
  /** the interceptor in the middle when a run puts several boxes on one grid; absent: the lab's engine */
  box?: string;
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
    /** HTTP status when the page loaded */
    status?: number;
    /** how long the visit took, as the shim measured it */
    durationMs?: number;
    /** retries the shim made inside the visit */
    retries?: number;
    /** files the client left (screenshots, logs) */
    artefacts?: string[];
    /** where `chain` came from: the client's own output, or a second non-verifying probe */
    chainSource?: 'client' | 'probe';
  };
  pass: boolean;
  /** present when the row was not run: the reason (never counted as passed or failed) */
  skipped?: string;
  /** present when the row deviated from its expectation but an allow-list entry covers it: the reason */
  allowed?: string;
  /** what the box in the middle could not express of the scenario's policy, where it touches this row */
  limitations?: string[];
  /** 1 for the first try; retries count up (present when the cell was retried: --retries) */
  attempt?: number;
  /** the tries before this row's that failed, and why (present when the cell was retried) */
  failedAttempts?: FailedAttempt[];
  /** present (true) when an earlier try failed and this one passed: the row passes and is shown flaky */
  flaky?: true;
  /**
   * What really happened to the cell's connections, from the box's and the origin's records:
   * intercepted, clean, or unreachable (excluded from detector scores). Absent on skipped rows.
   */
  truth?: CellTruth;
  /** the box's connection ids of this cell (records.json holds their events) */
  connections?: number[];
  capture?: ResultCapture;
}

export interface FailedAttempt {
  attempt: number;
  /** `expected exit-60, got loaded` */
  reason: string;
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
  /** present when the run was compared with a baseline: each detector's check, and what was missing */
  baseline?: ResultBaseline;
  /** present when the run was one shard of a grid (--shard i/n); tlslab merge-reports reads it */
  shard?: { current: number; total: number };
}

export interface ResultBaseline {
  source: string;
  /** no detector of this scenario regressed, and nothing the baseline scored went missing (unless allowed) */
  passed: boolean;
  checks: BaselineCheck[];
  problems: string[];
}

/** One detector of one scenario against the baseline. */
export interface BaselineCheck {
  detector: string;
  lostTruePositives: RegressedCell[];
  gainedFalsePositives: RegressedCell[];
  /** baseline cells this run did not score */
  missingCells: MissingCell[];
  failed: boolean;
  /** one line: the scores, or what failed */
  summary: string;
}

export function toResultChain(chain: ChainSeen | undefined): ResultChain | null {
  if (!chain) return null;
  return {
    leafSubject: chain.leafSubject,
    issuer: chain.issuer,
    leafSpkiSha256: chain.leafSpkiSha256,
    rootSpkiSha256: chain.rootSpkiSha256 ?? null,
    ...(chain.topSpkiSha256 !== undefined && { topSpkiSha256: chain.topSpkiSha256 }),
  };
}

/** The row's `actual`: the whole Observation, in the results contract's shape. */
export function toResultActual(observation: Observation): ResultRow['actual'] {
  return {
    outcome: observation.outcome,
    error: observation.error ?? null,
    chain: toResultChain(observation.chain),
    ...(observation.detail !== undefined && { detail: observation.detail }),
    ...(observation.status !== undefined && { status: observation.status }),
    durationMs: observation.durationMs,
    ...(observation.retries !== undefined && { retries: observation.retries }),
    ...(observation.artefacts !== undefined && { artefacts: observation.artefacts }),
    ...(observation.chainSource !== undefined && { chainSource: observation.chainSource }),
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
