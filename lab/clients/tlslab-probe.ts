/**
 * `tlslab probe` as a client of the grid (lab/probe): for each cell it does what the command does
 * for one site on a person's network (one handshake, the lab's detectors, a TTL sweep when
 * intercepted) and answers in its own words, which scenarios expect like any client's error:
 * `intercepted` (or `intercepted:hop-N` once localised), `not-intercepted`, `inconclusive`.
 * Its public store is the lab's web PKI, never what the trust state installed: an installed
 * national root changes what browsers accept, not what the probe calls interception.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keyStandIns } from '../ca/stand-ins.ts';
import { splitPem } from '../ca/pem-text.ts';
import type { Evidence } from '../detectors/index.ts';
import { assessSite, evidenceOf, fetchSite, overallOf, type ProbeOptions } from '../probe/probe.ts';
import { shareable } from '../probe/shareable.ts';
import type { ProbeReport, SiteResult } from '../probe/types.ts';
import type { ClientShim, Observation, TrustState } from './types.ts';

/** the lab's paths are a few hops long; a silent TTL costs this much */
const LAB_MAX_TTL = 8;
const LAB_TTL_TIMEOUT_S = 0.5;

/** the verdict as the grid compares it (see harness/scenario/expectations.ts) */
export function verdictWord(result: Pick<SiteResult, 'verdict' | 'hop'>): string {
  return result.verdict === 'intercepted' && result.hop !== undefined ? `intercepted:hop-${result.hop}` : result.verdict;
}

export function observationOf(result: SiteResult, chain: Observation['chain']): Observation {
  const outcome = result.verdict === 'intercepted' ? 'flagged' : result.verdict === 'not-intercepted' ? 'loaded' : 'refused';
  const checks = result.checks.map((c) => `${c.check}: ${c.flagged === null ? `skipped (${c.reason})` : `${c.flagged ? 'flagged' : 'clear'} (${c.reason})`}`);
  const ttl = 'skipped' in result.ttl ? `ttl: skipped (${result.ttl.skipped})` : `ttl: interceptor hop ${result.ttl.interceptorHop ?? 'none'}, origin hop ${result.ttl.originHop ?? 'none'}`;
  return {
    outcome,
    error: verdictWord(result),
    ...(chain && { chain, chainSource: 'client' as const }),
    durationMs: result.ms,
    detail: [result.by ? `by ${result.by}` : undefined, result.detail, ...checks, ttl].filter(Boolean).join('\n'),
  };
}

function pemsOf(files: readonly string[]): string[] {
  return files.flatMap((file) => splitPem(readFileSync(file, 'utf8')));
}

export function createProbeShim(): ClientShim {
  return {
    name: 'probe',
    kind: 'cli',
    routes: ['direct', 'connect'],
    pins: false,
    launcherSupport: true,
    probe: async () => ({ available: true, version: 'tlslab probe 1' }),
    async prepare(state: TrustState, workDir, prepareOptions) {
      const publicAnchorsPem = pemsOf(state.publicAnchors ?? state.anchors.slice(0, 1));
      const installed = pemsOf(state.anchors);
      const evidences: Evidence[] = [];
      const withoutRoot = state.settings?.withoutRoot === true;
      return {
        async visit(target) {
          const options: ProbeOptions = {
            targetFor: () => target,
            publicAnchorsPem,
            ttl: true,
            maxTtl: LAB_MAX_TTL,
            ttlTimeoutS: LAB_TTL_TIMEOUT_S,
            ...(withoutRoot && { withoutRoot }),
            ...(prepareOptions?.launcher && { launcher: prepareOptions.launcher }),
          };
          const fetched = await fetchSite({ site: target.site, role: 'target' }, options);
          // the lab's copies of the real roots carry the lab's keys: say which real key each stands in for
          options.keyStandIns = keyStandIns([...installed, ...(fetched.chain?.chainPem ?? [])]);
          const evidence = evidenceOf(fetched, options);
          if (evidence) evidences.push(evidence);
          const result = await assessSite(fetched, evidences, options);
          // the cell keeps what `tlslab probe --json` would write for this site: the shareable form
          const report: ProbeReport = { tool: 'tlslab probe', version: 1, startedAt: new Date().toISOString(), overall: overallOf([result]), sites: [result], addresses: true };
          const file = join(workDir, `probe-${target.site}.json`);
          writeFileSync(file, JSON.stringify(shareable(report, false), null, 2) + '\n');
          return { ...observationOf(result, fetched.chain), artefacts: [file] };
        },
        async close() {},
      };
    },
  };
}
