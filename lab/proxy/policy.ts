/**
 * What happens to a connection once its ClientHello is known. Pure: the caller supplies the
 * facts, the policy answers; the 2019 upstream-validity trigger is decided later, by the caller,
 * with `afterUpstreamCheck`.
 */
import { isIP } from 'node:net';
import { isTarget, normaliseName } from './targets.ts';
import type { TargetPolicy, UpstreamPolicy } from './types.ts';

export type Verdict =
  | { action: 'intercept'; reason: 'target' | 'wildcard'; upstreamFirst: true }
  | { action: 'passthrough'; reason: 'not-a-target' | 'no-sni' | 'upstream-certificate-invalid' }
  | { action: 'reject'; reason: string };

const HOST_LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/** RFC 6066: a host name, no IP literal, no trailing dot, at most 253 bytes. */
export function isValidSni(sni: string): boolean {
  if (sni.length === 0 || sni.length > 253 || isIP(sni) !== 0) return false;
  const labels = sni.toLowerCase().split('.');
  return labels.every((label) => HOST_LABEL.test(label));
}

export function decide(targets: TargetPolicy, sni: string | undefined): Verdict {
  if (sni !== undefined && !isValidSni(sni)) return { action: 'reject', reason: 'invalid-sni' };
  if (sni === undefined) {
    // a wildcard box still needs a name to forge for; without one it cannot impersonate anybody
    return { action: 'passthrough', reason: 'no-sni' };
  }
  if (isTarget(targets, sni)) {
    return { action: 'intercept', reason: targets.wildcard && !targets.names.has(normaliseName(sni)) ? 'wildcard' : 'target', upstreamFirst: true };
  }
  return { action: 'passthrough', reason: 'not-a-target' };
}

/** What the origin's certificate looked like to the box. */
export interface UpstreamVerdict {
  /** chains to an anchor (the name may still be wrong: the 2019 box did not care) */
  chainValid: boolean;
  /** chain and name both valid for the SNI */
  valid: boolean;
  error?: string;
}

export type AfterUpstream = 'intercept' | 'passthrough' | 'refuse';

/** 2019 trigger: only a validly chained origin is intercepted; a verifying box refuses bad origins. */
export function afterUpstreamCheck(policy: UpstreamPolicy, verdict: UpstreamVerdict): AfterUpstream {
  if (policy.interceptOnlyIfUpstreamValid && !verdict.chainValid) return 'passthrough';
  if (policy.verify && !verdict.valid) return 'refuse';
  return 'intercept';
}
