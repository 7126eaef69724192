/**
 * What TTL sweeps say about a path, whichever runtime swept it: per site, the hop whose answer was
 * a forged certificate (the box) and the first hop that answered with any; for the control name,
 * the hop of the genuine origin. The runtimes differ only in how they sweep and name hops.
 */
import type { LocaliseRequest, PathLocalisation, PathProbe } from './types.ts';

export interface SweptHop {
  ttl: number;
  outcome: string;
  forged?: boolean;
}

export async function localiseBySweeps(request: LocaliseRequest, sweep: (site: string) => Promise<readonly SweptHop[]>, hostAtHop: (hop: number) => string): Promise<PathLocalisation> {
  const started = performance.now();
  // each sweep waits out its silent TTLs, so in parallel the whole set costs about one sweep
  const [control, ...perSite] = await Promise.all([sweep(request.control), ...request.sites.map(sweep)]);
  const originHop = control!.find((p) => p.forged === false)?.ttl ?? null;
  const probes: PathProbe[] = request.sites.map((site, i) => {
    const results = perSite[i]!;
    const interceptorHop = results.find((p) => p.forged === true)?.ttl ?? null;
    return {
      site,
      firstCertificateHop: results.find((p) => p.outcome === 'certificate')?.ttl ?? null,
      interceptorHop,
      interceptorHost: interceptorHop === null ? null : hostAtHop(interceptorHop),
    };
  });
  return {
    probes,
    control: { site: request.control, originHop, originHost: originHop === null ? null : hostAtHop(originHop) },
    ms: Math.round(performance.now() - started),
  };
}
