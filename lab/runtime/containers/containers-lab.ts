/**
 * One scenario's hosts as containers: origins on an internal "internet" network, a DNS and the
 * client on an internal "clients" network, and the gateway on both, redirecting the clients' :443
 * flows to the engine's transparent door. Nothing has a route out: the networks are internal, and
 * only a one-shot helper (not the client) holds NET_ADMIN to point the client's route at the gateway.
 */
import { spawnSync } from 'node:child_process';
import type { StartedTestContainer } from 'testcontainers';
import type { Route } from '../../clients/types.ts';
import type { Forger } from '../../ca/types.ts';
import type { EngineEvent } from '../../proxy/types.ts';
import type { Lab, OriginVisit, RouteKind, Topology } from '../types.ts';
import { ORIGIN_PORT, startClientContainer, startDnsContainer, startGatewayContainer, startOriginContainer, type GatewayStart } from './role-containers.ts';
import { createInternalNetwork, removeNetwork, type LabNetwork } from './networks.ts';
import { newRunId, runLabels } from './labels.ts';
import { reap } from './reaper.ts';
import { runOneShot } from './one-shot.ts';
import { openForgeChannel, type ForgeChannel } from './forge-channel.ts';
import type { ContainerSession } from './session.ts';
import { FORGE_MOUNT, type GatewayConfig } from './roles/gateway-config.ts';

const TRANSPARENT_PORT = 8443;
const SNI_PORT = 443;
const CONNECT_PORT = 3128;

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface LabAddresses {
  clientsSubnet: string;
  internetSubnet: string;
  gatewayInside: string;
  gatewayOutside: string;
  dns: string;
  client: string;
  origins: Record<string, string>;
}

export interface ContainersLab extends Lab {
  readonly runId: string;
  readonly addresses: LabAddresses;
  /** ms per start-up phase, and per container start */
  readonly timings: Record<string, number>;
  /** how a client inside the client container reaches a site: its origin's own address, in the gateway's path */
  clientRouteFor(site: string): Route;
  /** runs a command in the client container (no shell unless argv asks for one) */
  execInClient(argv: string[], options?: { timeoutMs?: number }): Promise<ExecResult>;
  /** writes files (trust anchors, configs) into the client container */
  copyToClient(files: { content: string | Buffer; target: string }[]): Promise<void>;
}

const refusingForger: Forger = {
  profile: 'none',
  forge: () => Promise.reject(new Error('this lab intercepts nothing, so nothing may be forged')),
};

async function timed<T>(timings: Record<string, number>, key: string, work: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  try {
    return await work();
  } finally {
    timings[key] = Date.now() - t0;
  }
}

/** The host may talk to the gateway only over a directly attached bridge, never via a router. */
function assertOnLocalBridge(address: string): void {
  const r = spawnSync('ip', ['-4', 'route', 'get', address], { encoding: 'utf8', timeout: 5_000 });
  if (r.status !== 0) throw new Error(`ip route get ${address}: ${r.stderr.trim()}`);
  if (/\bvia\b/.test(r.stdout) || !/\bdev\s+\S+/.test(r.stdout)) {
    throw new Error(`refusing to send lab traffic to ${address}: the host would route it off-link (${r.stdout.trim()})`);
  }
}

function gatewayConfig(topology: Topology, clients: LabNetwork, origins: Map<string, string>): GatewayConfig {
  const interception = topology.interception;
  return {
    insideSubnet: clients.subnet,
    interceptDestinations: [...origins.values()],
    transparentPort: TRANSPARENT_PORT,
    sniPort: SNI_PORT,
    connectPort: CONNECT_PORT,
    targets: { names: [...(interception?.targets.names ?? [])], ...(interception?.targets.wildcard ? { wildcard: true } : {}) },
    upstream: interception?.upstream ?? { verify: false },
    forgerProfile: interception?.forger.profile ?? 'none',
    forgeSocket: `${FORGE_MOUNT}/forge.sock`,
    sites: Object.fromEntries(origins),
  };
}

export async function upContainersLab(session: ContainerSession, topology: Topology): Promise<ContainersLab> {
  const { endpoint } = session.engine;
  const images = session.build.images;
  const runId = newRunId();
  const labels = runLabels(runId);
  const timings: Record<string, number> = {};
  const started: StartedTestContainer[] = [];
  const networks: LabNetwork[] = [];
  let forge: ForgeChannel | undefined;
  const events: EngineEvent[] = [];
  const visits = new Map<string, OriginVisit[]>();
  const gatewayErrors: string[] = [];
  const t0 = Date.now();

  const teardown = async (): Promise<void> => {
    await Promise.allSettled(started.map((c) => c.stop({ timeout: 0 })));
    await Promise.allSettled(networks.map((n) => removeNetwork(endpoint, n)));
    // whatever a half-finished start-up created without our knowing its id
    await reap(endpoint, { run: runId }).catch(() => undefined);
    await forge?.close();
  };

  try {
    const [clients, internet] = await timed(timings, 'networks', () =>
      Promise.all([
        // host-reachable: clients the harness runs on the host use the gateway's SNI/CONNECT doors
        createInternalNetwork(endpoint, `tlslab-${runId}-clients`, labels, { hostReachable: true }),
        createInternalNetwork(endpoint, `tlslab-${runId}-internet`, labels),
      ]),
    );
    networks.push(clients, internet);
    session.trackNetwork(clients);
    session.trackNetwork(internet);
    forge = await openForgeChannel(topology.interception?.forger ?? refusingForger);

    const ctx = { runId, labels };
    const originIps = new Map<string, string>();
    await timed(timings, 'origins', () =>
      Promise.all(
        topology.origins.map(async (spec) => {
          const site = spec.name.toLowerCase();
          const seen: OriginVisit[] = [];
          visits.set(site, seen);
          const origin = await timed(timings, `start:origin:${site}`, () => startOriginContainer(ctx, images.origin, internet, spec, seen));
          started.push(origin);
          originIps.set(site, origin.getIpAddress(internet.name));
        }),
      ),
    );

    const gatewayStart: GatewayStart = {
      endpoint,
      inside: clients,
      outside: internet,
      forgeDir: forge.dir,
      config: gatewayConfig(topology, clients, originIps),
      events,
      errors: gatewayErrors,
    };
    const [dns, gateway] = await timed(timings, 'dns+gateway', () =>
      Promise.all([
        timed(timings, 'start:dns', () => startDnsContainer(ctx, images.dns, clients, originIps)),
        timed(timings, 'start:gateway', () => startGatewayContainer(ctx, images.gateway, gatewayStart)),
      ]),
    );
    started.push(dns, gateway);
    const dnsIp = dns.getIpAddress(clients.name);
    const gatewayInside = gateway.getIpAddress(clients.name);
    const gatewayOutside = gateway.getIpAddress(internet.name);

    const client = await timed(timings, 'start:client', () => startClientContainer(ctx, images.client, clients, dnsIp));
    started.push(client);

    // the client itself never gets NET_ADMIN: a one-shot sidecar in its network namespace sets the route
    await timed(timings, 'route', () =>
      runOneShot(endpoint, {
        image: images.client,
        entrypoint: ['ip'],
        cmd: ['route', 'add', internet.subnet, 'via', gatewayInside],
        networkMode: `container:${client.getId()}`,
        capAdd: ['NET_ADMIN'],
        labels: { ...labels, 'tlslab.role': 'route-helper' },
      }),
    );

    assertOnLocalBridge(gatewayInside);
    timings.total = Date.now() - t0;

    const addresses: LabAddresses = {
      clientsSubnet: clients.subnet,
      internetSubnet: internet.subnet,
      gatewayInside,
      gatewayOutside,
      dns: dnsIp,
      client: client.getIpAddress(clients.name),
      origins: Object.fromEntries(originIps),
    };
    const originIp = (site: string): string => {
      const ip = originIps.get(site.toLowerCase());
      if (!ip) throw new Error(`containers runtime: no origin for ${site}`);
      return ip;
    };
    let downed: Promise<void> | undefined;
    return {
      runtime: 'containers',
      runId,
      addresses,
      timings,
      routeKinds: ['direct', 'connect'],
      urlFor: (site) => {
        originIp(site);
        return `https://${site.toLowerCase()}/`;
      },
      routeFor: (site, kind: RouteKind): Route => {
        originIp(site);
        return kind === 'direct' ? { kind, host: gatewayInside, port: SNI_PORT } : { kind, host: gatewayInside, port: CONNECT_PORT };
      },
      clientRouteFor: (site) => ({ kind: 'direct', host: originIp(site), port: ORIGIN_PORT }),
      originView: (site) => visits.get(site.toLowerCase()) ?? [],
      engineEvents: () => events,
      async execInClient(argv, options = {}) {
        const t = Date.now();
        const timeoutMs = options.timeoutMs ?? 60_000;
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`exec in client timed out after ${timeoutMs} ms: ${argv.join(' ')}`)), timeoutMs);
        });
        try {
          const r = await Promise.race([client.exec(argv), timeout]);
          return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, durationMs: Date.now() - t };
        } finally {
          clearTimeout(timer);
        }
      },
      copyToClient: (files) => client.copyContentToContainer(files),
      down: () => (downed ??= teardown()),
    };
  } catch (err) {
    await teardown();
    if (gatewayErrors.length > 0) throw new Error(`${(err as Error).message}; gateway said: ${gatewayErrors.slice(-12).join(' | ')}`);
    throw err;
  }
}
