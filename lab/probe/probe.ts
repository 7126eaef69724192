/**
 * `tlslab probe` without the words: connect to each site, record the chain, judge it with the
 * lab's detectors, localise by TTL where that can work, and combine everything into one report.
 * The same functions serve the CLI on a person's own network and the `probe` client of the grid.
 * Read-only by construction: one TLS handshake per site (and per TTL), no request, no trust change.
 */
import { probeChain } from '../clients/probe.ts';
import type { ChainSeen, ClientLauncher, VisitTarget } from '../clients/types.ts';
import type { Evidence } from '../detectors/index.ts';
import { judge, runChecks, siteEvidence, summarise } from './judge.ts';
import { sweepTtl, ttlNotApplicable } from './ttl.ts';
import type { KnownCampaign, ProbeReport, ProbeSite, ProbeVerdict, SiteResult, TtlPart } from './types.ts';

export interface ProbeOptions {
  /** how to reach a site; on a real network: its name, port 443, direct */
  targetFor(site: string): VisitTarget;
  /** roots a vendor ships (PEM); Node's bundled Mozilla roots always count as public too */
  publicAnchorsPem: readonly string[];
  /** start every process that talks to a site there (the lab's client namespace) */
  launcher?: ClientLauncher;
  /** a second path: an HTTP CONNECT proxy that reaches the sites another way */
  via?: { host: string; port: number };
  /** false: no TTL sweep at all */
  ttl: boolean;
  /** run the TTL sweep as nobody without capabilities, as a person without root would */
  withoutRoot?: boolean;
  maxTtl: number;
  ttlTimeoutS: number;
  keyStandIns?: Evidence['keyStandIns'];
}

export interface Fetched {
  site: ProbeSite;
  target: VisitTarget;
  chain?: ChainSeen;
  secondPath?: { chainPem: string[] } | { skipped: string };
  ms: number;
}

export async function fetchSite(site: ProbeSite, options: ProbeOptions): Promise<Fetched> {
  const started = performance.now();
  const target = options.targetFor(site.site);
  const chain = await probeChain(target, [], options.launcher);
  let secondPath: Fetched['secondPath'];
  if (options.via) {
    const other = await probeChain({ ...target, route: { kind: 'connect', ...options.via } }, [], options.launcher);
    secondPath = other?.chainPem?.length ? { chainPem: other.chainPem } : { skipped: 'the second path (--via) completed no handshake' };
  }
  return { site, target, ...(chain && { chain }), ...(secondPath && { secondPath }), ms: Math.round(performance.now() - started) };
}

export function evidenceOf(fetched: Fetched, options: ProbeOptions, ttl?: NonNullable<Evidence['probes']>['ttl']): Evidence | undefined {
  if (!fetched.chain) return undefined;
  return siteEvidence({
    site: fetched.site,
    chain: fetched.chain,
    publicAnchorsPem: options.publicAnchorsPem,
    ...(fetched.secondPath && { secondPath: fetched.secondPath }),
    ...(ttl && { ttl }),
    ...(options.keyStandIns && { keyStandIns: options.keyStandIns }),
    durationMs: fetched.ms,
  });
}

/** The verdict for one fetched site; `all` is every site's evidence (some tells only show across sites). */
export async function assessSite(fetched: Fetched, all: readonly Evidence[], options: ProbeOptions): Promise<SiteResult> {
  const started = performance.now();
  const base = { site: fetched.site.site, role: fetched.site.role, address: addressOf(fetched.target) };
  const evidence = evidenceOf(fetched, options);
  if (!evidence || !fetched.chain) {
    return { ...base, verdict: 'inconclusive', why: 'unreachable', detail: `no TLS handshake completed within ${Math.round(Math.min(fetched.target.timeoutMs, 10_000) / 1000)} s (refused, reset, timed out or no certificate)`, checks: [], ttl: { skipped: 'no handshake to localise' }, ms: fetched.ms };
  }
  const run = { evidences: all.includes(evidence) ? all : [...all, evidence] };
  let checks = await runChecks(evidence, run);
  let judgement = judge(evidence, checks);
  let ttl: TtlPart = { skipped: 'the site is not intercepted: nothing to localise' };
  if (judgement.verdict === 'intercepted') {
    ttl = await localise(fetched, options);
    if (!('skipped' in ttl) && ttl.interceptorHop !== null && ttl.originHop !== null && ttl.originHop > ttl.interceptorHop) {
      // the ttl-hop detector reads the same sweep; its finding joins the others
      const withTtl = evidenceOf(fetched, options, { interceptorHop: ttl.interceptorHop, originHop: ttl.originHop })!;
      checks = await runChecks(withTtl, { evidences: run.evidences.map((e) => (e === evidence ? withTtl : e)) });
      judgement = judge(withTtl, checks);
    } else {
      checks = checks.map((c) => (c.check === 'ttl-hop' ? { ...c, reason: ttlHopUnread(ttl) } : c));
    }
  }
  const chain = summarise(fetched.chain.chainPem ?? []);
  const hop = !('skipped' in ttl) && ttl.interceptorHop !== null ? ttl.interceptorHop : undefined;
  return {
    ...base,
    ...judgement,
    ...(judgement.verdict === 'intercepted' && hop !== undefined && { hop }),
    checks,
    ttl,
    ...(chain && { chain }),
    ms: fetched.ms + Math.round(performance.now() - started),
  };
}

async function localise(fetched: Fetched, options: ProbeOptions): Promise<TtlPart> {
  if (!options.ttl) return { skipped: 'the TTL part was turned off (--no-ttl)' };
  const { route } = fetched.target;
  const destination = route.kind === 'direct' ? route.host : fetched.site.site;
  const notHere = ttlNotApplicable(destination, route.kind);
  if (notHere) return { skipped: notHere };
  return sweepTtl({
    destination,
    port: route.kind === 'direct' ? route.port : 443,
    site: fetched.site.site,
    forgedLeafSpki: fetched.chain!.leafSpkiSha256,
    maxTtl: options.maxTtl,
    timeoutS: options.ttlTimeoutS,
    ...(options.launcher && { launcher: options.launcher }),
    ...(options.withoutRoot && { withoutRoot: true }),
  });
}

/** why the ttl-hop detector had nothing to read although the sweep was tried */
function ttlHopUnread(ttl: TtlPart): string {
  if ('skipped' in ttl) return `TTL part skipped: ${ttl.skipped}`;
  if (ttl.interceptorHop === null) return `the forged certificate did not come back at any TTL up to ${ttl.siteSweep.length}`;
  if (ttl.originHop === null) return 'an untargeted name drew no certificate from this address: the origin\'s distance is unknown';
  // a box that terminates every TCP connection to the address answers for every name itself
  return `an untargeted name also drew its certificate from hop ${ttl.originHop}: what sits there answers for the whole address, so the origin's own distance cannot be seen from here`;
}

function addressOf(target: VisitTarget): string {
  return `${target.route.kind === 'connect' ? 'proxy ' : ''}${target.route.host}:${target.route.port}`;
}

/** Every site, fetched a few at a time, then judged together. */
export async function probeAll(sites: readonly ProbeSite[], options: ProbeOptions, concurrency = 6, onSite?: (result: SiteResult) => void): Promise<ProbeReport> {
  const startedAt = new Date().toISOString();
  const fetched = await inPool(sites, concurrency, (site) => fetchSite(site, options));
  const evidences = fetched.flatMap((f) => evidenceOf(f, options) ?? []);
  const results = await inPool(fetched, 2, async (f) => {
    const result = await assessSite(f, evidences, options);
    onSite?.(result);
    return result;
  });
  return { tool: 'tlslab probe', version: 1, startedAt, overall: overallOf(results), sites: results, addresses: true };
}

export function overallOf(results: readonly SiteResult[]): ProbeReport['overall'] {
  const intercepted = results.filter((r) => r.verdict === 'intercepted');
  const verdict: ProbeVerdict = intercepted.length > 0 ? 'intercepted' : results.some((r) => r.verdict === 'inconclusive') ? 'inconclusive' : 'not-intercepted';
  return {
    verdict,
    by: [...new Set(intercepted.flatMap((r) => (r.by ? [r.by] : [])))],
    campaigns: [...new Set(intercepted.flatMap((r) => (r.campaign ? [r.campaign] : [])))] as KnownCampaign[],
    hops: [...new Set(intercepted.flatMap((r) => (r.hop !== undefined ? [r.hop] : [])))].sort((a, b) => a - b),
  };
}

async function inPool<T, R>(items: readonly T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
  return out;
}
