/**
 * Localises the interceptor the way Censored Planet did in 2019: the smallest ClientHello TTL
 * that still yields a forged certificate is the interceptor's hop; an untargeted name (or
 * destination) shows where the genuine certificate comes from. Runs only inside a client namespace.
 */
import { X509Certificate } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { NetnsLab } from './lab.ts';

const PROBE = fileURLToPath(new URL('./ttl-probe.py', import.meta.url));

export interface TtlProbeResult {
  ttl: number;
  /** time-exceeded: a router said the ClientHello died there (only with the script's `icmp` mode, as root) */
  outcome: 'certificate' | 'no-answer' | 'closed' | 'error' | 'time-exceeded';
  /** the router that sent Time Exceeded */
  router?: string;
  issuer?: string;
  forged?: boolean;
  error?: string;
  ms: number;
}

export interface LocaliseOptions {
  client?: string;
  site: string;
  /** where the site lives (default: the lab DNS record) */
  address?: string;
  /** an untargeted name to compare with, sent to controlAddress (default: the site's address) */
  controlSni: string;
  controlAddress?: string;
  /** PEM of the CAs that sign genuine origin certificates; anything else counts as forged */
  genuineIssuersPem: readonly string[];
  maxTtl?: number;
  timeoutS?: number;
  port?: number;
}

export interface Localisation {
  site: string;
  /** smallest TTL that returned a forged certificate for the site (null: never forged) */
  interceptorHop: number | null;
  /** the lab host sitting at interceptorHop on the path */
  interceptorHost: string | null;
  /** smallest TTL that returned the genuine certificate for the control name */
  originHop: number | null;
  originHost: string | null;
  probes: { site: TtlProbeResult[]; control: TtlProbeResult[] };
}

export async function localiseInterceptor(lab: NetnsLab, o: LocaliseOptions): Promise<Localisation> {
  const client = o.client ?? lab.plan.clients[0]!;
  const address = o.address ?? lab.plan.siteAddresses[o.site];
  if (!address) throw new Error(`no address for ${o.site}`);
  const genuine = o.genuineIssuersPem.map((p) => new X509Certificate(p));
  const run = (dst: string, sni: string): Promise<TtlProbeResult[]> => probeTtl(lab, client, dst, sni, genuine, o);
  const siteProbes = await run(address, o.site);
  const controlProbes = await run(o.controlAddress ?? address, o.controlSni);
  const interceptorHop = siteProbes.find((p) => p.forged === true)?.ttl ?? null;
  const originHop = controlProbes.find((p) => p.forged === false)?.ttl ?? null;
  return {
    site: o.site,
    interceptorHop,
    interceptorHost: interceptorHop === null ? null : hostAtHop(lab, interceptorHop),
    originHop,
    originHost: originHop === null ? null : hostAtHop(lab, originHop),
    probes: { site: siteProbes, control: controlProbes },
  };
}

/** One TTL sweep (1..maxTtl, stopping at the first certificate) from `client` to dst with this SNI. */
export async function probeTtl(
  lab: NetnsLab,
  client: string,
  dst: string,
  sni: string,
  genuine: readonly X509Certificate[],
  o: Pick<LocaliseOptions, 'maxTtl' | 'timeoutS' | 'port'> = {},
): Promise<TtlProbeResult[]> {
  const r = await lab.run(client, ['python3', PROBE, dst, String(o.port ?? 443), sni, String(o.maxTtl ?? lab.plan.routers.length + 3), String(o.timeoutS ?? 0.3)]);
  return r.stdout.trim().split('\n').filter(Boolean).map((line) => classify(JSON.parse(line) as TtlProbeResult & { certDer?: string }, genuine));
}

export function classify(raw: TtlProbeResult & { certDer?: string }, genuine: readonly X509Certificate[]): TtlProbeResult {
  const { certDer, ...rest } = raw;
  if (!certDer) return rest;
  const leaf = new X509Certificate(Buffer.from(certDer, 'base64'));
  return { ...rest, issuer: leaf.issuer.replaceAll('\n', ', '), forged: !genuine.some((ca) => leaf.checkIssued(ca) && leaf.verify(ca.publicKey)) };
}

/** which host a packet with this TTL dies at / reaches last: routers, then the gateway, then origins */
export function hostAtHop(lab: NetnsLab, hop: number): string {
  const onPath = lab.plan.hosts.filter((h) => h.role === 'router' || h.role === 'gateway').find((h) => h.hop === hop);
  return onPath?.name ?? (hop === lab.hop(lab.plan.gateway) + 1 ? 'origin' : `hop ${hop}`);
}
