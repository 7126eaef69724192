/**
 * `Lab.localise` for the netns runtime: one TTL sweep per site and one for the control name, all
 * from the client namespace at once (each sweep waits out its silent TTLs, so in parallel the
 * whole set costs about one sweep).
 */
import { X509Certificate } from 'node:crypto';
import type { LocaliseRequest, PathLocalisation, PathProbe } from '../types.ts';
import type { NetnsLab } from './lab.ts';
import { hostAtHop, probeTtl } from './ttl-localise.ts';

export async function localisePaths(lab: NetnsLab, request: LocaliseRequest): Promise<PathLocalisation> {
  const started = performance.now();
  const client = lab.plan.clients[0]!;
  const genuine = request.genuineIssuersPem.map((pem) => new X509Certificate(pem));
  const addressOf = (site: string): string => {
    const address = lab.plan.siteAddresses[site.toLowerCase()];
    if (!address) throw new Error(`netns runtime: no address for ${site}`);
    return address;
  };
  const sweep = (site: string) => probeTtl(lab, client, addressOf(site), site.toLowerCase(), genuine);
  const [control, ...perSite] = await Promise.all([sweep(request.control), ...request.sites.map(sweep)]);
  const originHop = control!.find((p) => p.forged === false)?.ttl ?? null;
  const probes: PathProbe[] = request.sites.map((site, i) => {
    const results = perSite[i]!;
    const interceptorHop = results.find((p) => p.forged === true)?.ttl ?? null;
    return {
      site,
      firstCertificateHop: results.find((p) => p.outcome === 'certificate')?.ttl ?? null,
      interceptorHop,
      interceptorHost: interceptorHop === null ? null : hostAtHop(lab, interceptorHop),
    };
  });
  return {
    probes,
    control: { site: request.control, originHop, originHost: originHop === null ? null : hostAtHop(lab, originHop) },
    ms: Math.round(performance.now() - started),
  };
}
