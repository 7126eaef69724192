/**
 * What `tlslab probe` finds, as plain data: one verdict per site and one overall. Words for people
 * are not here (the harness renders them in en/ru/kk); codes are, so every language says the same.
 */

export type SiteRole = 'target' | 'control';
export type ProbeVerdict = 'intercepted' | 'not-intercepted' | 'inconclusive';

/** why a site is inconclusive */
export type InconclusiveWhy =
  /** no TLS handshake completed (refused, reset, timed out, no certificate) */
  | 'unreachable'
  /** the chain stops at an issuer that is neither sent nor public, and nothing else marks it forged (a server missing an intermediate looks the same) */
  | 'incomplete-chain';

/** the campaign a known key belongs to, for the advice (which browsers refuse it) */
export type KnownCampaign = 'qaznet-2019' | 'isca-2020' | 'isca-2024';

export interface ProbeSite {
  site: string;
  role: SiteRole;
}

/** one of the lab's detectors as the probe ran it on one site */
export interface CheckOutcome {
  check: 'known-interception' | 'chain-anchor' | 'tells' | 'cross-vantage' | 'ttl-hop';
  /** null: the check could not run here (reason says why) */
  flagged: boolean | null;
  reason: string;
}

/** one TTL of the sweep */
export interface TtlStep {
  ttl: number;
  outcome: 'forged-certificate' | 'certificate' | 'time-exceeded' | 'no-answer' | 'closed' | 'error';
  /** the router that answered Time Exceeded (a local address: only in JSON with --include-addresses) */
  router?: string;
}

export type TtlPart =
  | { skipped: string }
  | {
      /** smallest TTL at which the forged certificate came back; null: never within maxTtl */
      interceptorHop: number | null;
      /** smallest TTL at which an untargeted name drew a certificate from the same address; null: none */
      originHop: number | null;
      siteSweep: TtlStep[];
      controlSweep: TtlStep[];
      ms: number;
    };

export interface ChainSummary {
  leafSubject: string;
  /** the leaf's issuer */
  issuer: string;
  /** the name at the top of what was sent: the root's subject when sent, else the top certificate's issuer */
  topIssuer: string;
  leafSpkiSha256: string;
  chainPem: string[];
}

export interface SiteResult {
  site: string;
  role: SiteRole;
  verdict: ProbeVerdict;
  /** intercepted: who (a known key's label, else the name at the top of the chain) */
  by?: string;
  campaign?: KnownCampaign;
  /** intercepted and localised: the hop the forged certificate came from */
  hop?: number;
  why?: InconclusiveWhy;
  /** the technical detail behind `why` (an error code, a timeout) */
  detail?: string;
  checks: CheckOutcome[];
  ttl: TtlPart;
  chain?: ChainSummary;
  /** where the probe connected (only with --include-addresses) */
  address?: string;
  ms: number;
}

export interface ProbeReport {
  tool: 'tlslab probe';
  /** format of this JSON; bump on incompatible change */
  version: 1;
  startedAt: string;
  overall: {
    verdict: ProbeVerdict;
    /** who intercepted, each once */
    by: string[];
    campaigns: KnownCampaign[];
    hops: number[];
  };
  sites: SiteResult[];
  /** whether addresses were kept (--include-addresses) */
  addresses: boolean;
}
