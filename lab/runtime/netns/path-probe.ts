/**
 * `Lab.localise` for the netns runtime: one TTL sweep per site and one for the control name, all
 * from the client namespace at once.
 */
import { X509Certificate } from 'node:crypto';
import type { LocaliseRequest, PathLocalisation } from '../types.ts';
import { localiseBySweeps } from '../path-localisation.ts';
import type { NetnsLab } from './lab.ts';
import { hostAtHop, probeTtl } from './ttl-localise.ts';

export function localisePaths(lab: NetnsLab, request: LocaliseRequest): Promise<PathLocalisation> {
  const client = lab.plan.clients[0]!;
  const genuine = request.genuineIssuersPem.map((pem) => new X509Certificate(pem));
  const addressOf = (site: string): string => {
    const address = lab.plan.siteAddresses[site.toLowerCase()];
    if (!address) throw new Error(`netns runtime: no address for ${site}`);
    return address;
  };
  return localiseBySweeps(request, (site) => probeTtl(lab, client, addressOf(site), site.toLowerCase(), genuine), (hop) => hostAtHop(lab, hop));
}
