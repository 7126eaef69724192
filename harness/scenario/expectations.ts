/**
 * Which expectation applies to a grid cell, and whether an observation meets it.
 *
 * Precedence, most specific first: `client@site` > `site` > `client` > `"*"`.
 * A site beats a client because a site's fate is usually decided by the network (a control site
 * that is never intercepted loads for every client), while a client key is the default for that
 * client's intercepted sites. `client@*` is the same as `client`, and `*@site` the same as `site`.
 */
import type { Observation } from '../../lab/clients/types.ts';

export const VERDICTS = ['loaded', 'refused', 'flagged'] as const;
export type Verdict = (typeof VERDICTS)[number];

export interface ExpectationKey {
  client?: string;
  site?: string;
}

/** Splits a key; `*` parts become undefined. Does not check that the names exist. */
export function parseExpectationKey(key: string, clients: ReadonlySet<string>): ExpectationKey {
  if (key === '*') return {};
  const at = key.indexOf('@');
  if (at >= 0) {
    const client = key.slice(0, at);
    const site = key.slice(at + 1);
    return { ...(client !== '*' && { client }), ...(site !== '*' && { site }) };
  }
  return clients.has(key) ? { client: key } : { site: key };
}

function specificity(key: ExpectationKey): number {
  return (key.site ? 2 : 0) + (key.client ? 1 : 0);
}

/** The value of the most specific key matching (client, site), with the key that supplied it. */
export function resolveExpectation(
  expect: Readonly<Record<string, string>>,
  clients: ReadonlySet<string>,
  client: string,
  site: string,
): { key: string; value: string; rank: number } | undefined {
  let best: { key: string; value: string; rank: number } | undefined;
  for (const [key, value] of Object.entries(expect)) {
    const parsed = parseExpectationKey(key, clients);
    if (parsed.client !== undefined && parsed.client !== client) continue;
    if (parsed.site !== undefined && parsed.site !== site) continue;
    const rank = specificity(parsed);
    if (!best || rank > best.rank) best = { key, value, rank };
  }
  return best;
}

export function isVerdict(value: string): value is Verdict {
  return (VERDICTS as readonly string[]).includes(value);
}

/**
 * The `probe` client's own words (lab/clients/tlslab-probe.ts): intercepted, intercepted:hop-N,
 * not-intercepted, inconclusive. `intercepted` accepts any hop or none; `intercepted:hop-N` only
 * that hop, so a scenario on a routed lab can hold the probe to the box's real place;
 * `intercepted:hop-gateway` is that hop as the lab's topology states it (harness/runner/matrix.ts).
 */
const PROBE_WORD = /^(?:intercepted(?::hop-\d+)?|not-intercepted|inconclusive)$/;

export function isProbeWord(value: string): boolean {
  return PROBE_WORD.test(value);
}

/** An exact error implies refused: it must be the client's own error string, character for character. */
export function meetsExpectation(expected: string, actual: Pick<Observation, 'outcome' | 'error'>): boolean {
  if (isVerdict(expected)) return actual.outcome === expected;
  if (isProbeWord(expected)) {
    if (actual.error === expected) return true;
    return expected === 'intercepted' && actual.outcome === 'flagged' && actual.error?.startsWith('intercepted:hop-') === true;
  }
  return actual.outcome === 'refused' && actual.error === expected;
}

/** How a cell's actual result reads in a table or a failure message: the error if any, else the outcome. */
export function describeActual(actual: Pick<Observation, 'outcome' | 'error'>): string {
  if (actual.error !== undefined && isProbeWord(actual.error)) return actual.error;
  if (actual.outcome === 'refused' && actual.error) return actual.error;
  if (actual.outcome === 'flagged' && actual.error) return `flagged:${actual.error}`;
  return actual.outcome;
}
