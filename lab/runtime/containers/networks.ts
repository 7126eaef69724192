import { callEngine, callEngineJson, type EngineEndpoint } from './engine-api.ts';

export interface LabNetwork {
  name: string;
  id: string;
  /** CIDR, e.g. 10.89.3.0/24 */
  subnet: string;
  /** the host side of the bridge (the host can reach the network's containers through it) */
  bridgeAddress?: string;
  /** the bridge's interface name on the host (where per-cell captures listen) */
  bridge?: string;
}

interface LibpodNetwork {
  name: string;
  id: string;
  network_interface?: string;
  subnets?: { subnet: string; gateway?: string }[];
}

interface CompatNetwork {
  Id: string;
  Options?: Record<string, string>;
  IPAM?: { Config?: { Subnet?: string; Gateway?: string }[] };
}

function libpodCreate(endpoint: EngineEndpoint, name: string, labels: Record<string, string>) {
  return callEngine(endpoint, 'POST', '/v4.0.0/libpod/networks/create', 15_000, { name, driver: 'bridge', internal: true, dns_enabled: false, labels });
}

/**
 * An internal network: no NAT, no default route in its containers. On podman the libpod API is
 * used so that aardvark-dns can be switched off too: it would answer outside names by asking the
 * host's resolvers, a way out of the lab. testcontainers' own Network is never internal.
 * podman gives an internal network without DNS no address on the host's bridge, so the host
 * cannot reach it at all (nothing of the lab needs it to).
 */
export async function createInternalNetwork(endpoint: EngineEndpoint, name: string, labels: Record<string, string>): Promise<LabNetwork> {
  const libpod = await libpodCreate(endpoint, name, labels);
  if (libpod.status < 300) {
    const net = JSON.parse(libpod.body) as LibpodNetwork;
    const first = net.subnets?.[0];
    if (!first) throw new Error(`network ${name}: podman assigned no subnet`);
    return {
      name: net.name,
      id: net.id,
      subnet: first.subnet,
      ...(first.gateway ? { bridgeAddress: first.gateway } : {}),
      ...(net.network_interface ? { bridge: net.network_interface } : {}),
    };
  }
  if (libpod.status !== 404) throw new Error(`network ${name}: HTTP ${libpod.status} ${libpod.body.trim()}`);
  // a Docker engine (no libpod API): its internal networks have no outbound path either
  const created = await callEngineJson<{ Id: string }>(endpoint, 'POST', '/networks/create', {
    Name: name,
    Driver: 'bridge',
    Internal: true,
    CheckDuplicate: true,
    Labels: labels,
  });
  const inspected = await callEngineJson<CompatNetwork>(endpoint, 'GET', `/networks/${created.Id}`);
  const config = inspected.IPAM?.Config?.[0];
  if (!config?.Subnet) throw new Error(`network ${name}: engine assigned no subnet`);
  // Docker names a network's bridge br-<first 12 of its id> unless told otherwise
  const bridge = inspected.Options?.['com.docker.network.bridge.name'] ?? `br-${created.Id.slice(0, 12)}`;
  return { name, id: created.Id, subnet: config.Subnet, bridge, ...(config.Gateway ? { bridgeAddress: config.Gateway } : {}) };
}

export async function removeNetwork(endpoint: EngineEndpoint, network: LabNetwork): Promise<void> {
  const res = await callEngine(endpoint, 'DELETE', `/networks/${network.id}`);
  if (res.status >= 300 && res.status !== 404) throw new Error(`network ${network.name}: HTTP ${res.status} ${res.body.trim()}`);
}

/** Whether an IPv4 address lies in a CIDR (for the leak checks). */
export function inSubnet(address: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  const toInt = (a: string) => a.split('.').reduce((n, part) => (n << 8) + Number(part), 0) >>> 0;
  if (!base || !Number.isInteger(bits)) return false;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return ((toInt(address) & mask) >>> 0) === ((toInt(base) & mask) >>> 0);
}
