/**
 * `Lab.localise` on containers: the netns runtime's TTL sweep (ttl-probe.py, one per site and one
 * for the control name, all at once) run inside a client container, whose packets cross the
 * router container(s) and the gateway, each decrementing TTL, before they reach an origin.
 */
import { X509Certificate } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { StartedTestContainer } from 'testcontainers';
import type { LocaliseRequest, PathLocalisation } from '../types.ts';
import { localiseBySweeps } from '../path-localisation.ts';
import { classify, type TtlProbeResult } from '../netns/ttl-localise.ts';

const PROBE = fileURLToPath(new URL('../netns/ttl-probe.py', import.meta.url));
/** seconds a TTL that draws nothing is waited for */
const SILENT_TTL_WAIT_S = 0.3;

export interface LabPath {
  /** routers between the clients and the gateway (hops 1..routers; the gateway is the next) */
  routers: number;
  siteAddress(site: string): string;
}

/** which host a packet with this TTL reaches last: r1…rN, then the gateway, then the origin */
export function hostAtHop(path: Pick<LabPath, 'routers'>, hop: number): string {
  if (hop >= 1 && hop <= path.routers) return `r${hop}`;
  if (hop === path.routers + 1) return 'gw';
  if (hop === path.routers + 2) return 'origin';
  return `hop ${hop}`;
}

async function sweep(client: StartedTestContainer, path: LabPath, site: string, genuine: readonly X509Certificate[]): Promise<TtlProbeResult[]> {
  const argv = ['/usr/bin/python3', PROBE, path.siteAddress(site), '443', site.toLowerCase(), String(path.routers + 3), String(SILENT_TTL_WAIT_S)];
  const r = await client.exec(argv);
  if (r.exitCode !== 0) throw new Error(`ttl-probe.py in ${client.getName()} exited ${r.exitCode}: ${r.stderr.trim().slice(-500)}`);
  return r.stdout.trim().split('\n').filter(Boolean).map((line) => classify(JSON.parse(line) as TtlProbeResult & { certDer?: string }, genuine));
}

export function localiseFromClient(client: StartedTestContainer, path: LabPath, request: LocaliseRequest): Promise<PathLocalisation> {
  const genuine = request.genuineIssuersPem.map((pem) => new X509Certificate(pem));
  return localiseBySweeps(request, (site) => sweep(client, path, site, genuine), (hop) => hostAtHop(path, hop));
}
