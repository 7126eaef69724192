/**
 * From a small description to a full plan (hosts, veth links, addresses, routes, forwarding).
 * Pure data, so the plan is testable without privileges; `build.ts` applies it.
 *
 *   client(s) ── r1 ── … ── rN ── gw ──┬── origin-<name>   (one link per origin)
 *                                      └── dns             (dnsmasq, the lab resolver)
 * Routes name only lab subnets: no namespace has a default route, so nothing can leave the lab.
 */
import { parseLabRange, subnetOf, type LabRange } from './address-plan.ts';

export interface OriginSpec {
  /** host-name-safe label, e.g. "facebook" */
  name: string;
  /** site names this origin answers for (resolved by the lab DNS to its address) */
  sites: string[];
}

export interface TopologySpec {
  clients?: number;
  routersBeforeGateway?: number;
  /** a bare site name becomes an origin serving that name */
  origins: Array<string | OriginSpec>;
  labRange?: string;
}

export type HostRole = 'client' | 'router' | 'gateway' | 'origin' | 'dns';

export interface Interface {
  name: string;
  address: string;
  prefixLength: 24;
  peerHost: string;
}

export interface Route {
  destination: string;
  via: string;
}

export interface HostPlan {
  name: string;
  role: HostRole;
  interfaces: Interface[];
  routes: Route[];
  forwarding: boolean;
  /** TTL a packet needs to arrive here from a client (clients: 0) */
  hop: number;
  /** origin only */
  sites?: string[];
}

export interface LinkPlan {
  a: { host: string; ifname: string; address: string };
  b: { host: string; ifname: string; address: string };
  subnet: string;
}

export interface TopologyPlan {
  range: LabRange;
  hosts: HostPlan[];
  links: LinkPlan[];
  clients: string[];
  routers: string[];
  gateway: string;
  dns: string;
  dnsAddress: string;
  /** gateway interfaces that face the clients (interception rules match on them) */
  gatewayInside: string[];
  /** site name -> origin address */
  siteAddresses: Record<string, string>;
}

const LABEL = /^[a-z0-9][a-z0-9-]{0,30}$/;

export function planTopology(spec: TopologySpec): TopologyPlan {
  const range = parseLabRange(spec.labRange);
  const clientCount = spec.clients ?? 1;
  const routerCount = spec.routersBeforeGateway ?? 0;
  if (!Number.isInteger(clientCount) || clientCount < 1) throw new Error('clients must be a positive integer');
  if (!Number.isInteger(routerCount) || routerCount < 0) throw new Error('routersBeforeGateway must be a non-negative integer');
  const origins = spec.origins.map(normaliseOrigin);
  if (origins.length === 0) throw new Error('a topology needs at least one origin');
  const seen = new Set<string>();
  for (const o of origins) {
    if (seen.has(o.name)) throw new Error(`duplicate origin name ${o.name}`);
    seen.add(o.name);
  }

  const hosts = new Map<string, HostPlan>();
  const add = (name: string, role: HostRole, hop: number, extra: Partial<HostPlan> = {}): HostPlan => {
    const h: HostPlan = { name, role, interfaces: [], routes: [], forwarding: role === 'router' || role === 'gateway', hop, ...extra };
    hosts.set(name, h);
    return h;
  };
  const clients = Array.from({ length: clientCount }, (_, i) => (clientCount === 1 ? 'client' : `client${i + 1}`));
  const routers = Array.from({ length: routerCount }, (_, i) => `r${i + 1}`);
  const chain = [...routers, 'gw'];
  for (const c of clients) add(c, 'client', 0);
  routers.forEach((r, i) => add(r, 'router', i + 1));
  const gw = add('gw', 'gateway', routerCount + 1);
  const originHosts = origins.map((o) => add(`origin-${o.name}`, 'origin', routerCount + 2, { sites: o.sites }));
  const dns = add('dns', 'dns', routerCount + 2);

  const links: LinkPlan[] = [];
  const link = (a: HostPlan, b: HostPlan): LinkPlan => {
    const subnet = subnetOf(range, links.length);
    const ia: Interface = { name: `eth${a.interfaces.length}`, address: `${subnet}.1`, prefixLength: 24, peerHost: b.name };
    const ib: Interface = { name: `eth${b.interfaces.length}`, address: `${subnet}.2`, prefixLength: 24, peerHost: a.name };
    a.interfaces.push(ia);
    b.interfaces.push(ib);
    const l: LinkPlan = { a: { host: a.name, ifname: ia.name, address: ia.address }, b: { host: b.name, ifname: ib.name, address: ib.address }, subnet: `${subnet}.0/24` };
    links.push(l);
    return l;
  };

  const first = hosts.get(chain[0]!)!;
  // subnets on the client side of each chain position, so return traffic is routed hop by hop
  const behind: Array<{ subnet: string }> = [];
  for (const c of clients) {
    const l = link(first, hosts.get(c)!);
    hosts.get(c)!.routes.push({ destination: range.cidr, via: l.a.address });
    behind.push({ subnet: l.subnet });
  }
  for (let i = 0; i + 1 < chain.length; i++) {
    const near = hosts.get(chain[i]!)!;
    const far = hosts.get(chain[i + 1]!)!;
    const l = link(near, far);
    near.routes.push({ destination: range.cidr, via: l.b.address });
    for (const s of behind) far.routes.push({ destination: s.subnet, via: l.a.address });
    behind.push({ subnet: l.subnet });
  }
  for (const o of [...originHosts, dns]) {
    const l = link(gw, o);
    o.routes.push({ destination: range.cidr, via: l.a.address });
  }
  const gatewayInside = gw.interfaces.filter((i) => i.peerHost === (routers.at(-1) ?? '') || clients.includes(i.peerHost)).map((i) => i.name);
  const dnsAddress = dns.interfaces[0]!.address;
  const siteAddresses: Record<string, string> = {};
  for (const o of originHosts) for (const s of o.sites ?? []) siteAddresses[s] = o.interfaces[0]!.address;

  return { range, hosts: [...hosts.values()], links, clients, routers, gateway: 'gw', dns: 'dns', dnsAddress, gatewayInside, siteAddresses };
}

function normaliseOrigin(o: string | OriginSpec): OriginSpec {
  const spec = typeof o === 'string' ? { name: o.split('.').filter((p) => p !== 'www')[0] ?? o, sites: [o] } : o;
  const name = spec.name.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  if (!LABEL.test(name)) throw new Error(`origin name ${JSON.stringify(spec.name)} is not a usable label`);
  for (const s of spec.sites) {
    if (!/^[a-z0-9.-]+$/i.test(s)) throw new Error(`site ${JSON.stringify(s)} is not a host name`);
  }
  return { name, sites: spec.sites };
}

export function hostPlan(plan: TopologyPlan, name: string): HostPlan {
  const h = plan.hosts.find((x) => x.name === name);
  if (!h) throw new Error(`no host ${name} in this topology`);
  return h;
}
