/**
 * One scenario's hosts as containers: origins on an internal "internet" network, a DNS and the
 * client on an internal "clients" network, and the gateway on both, redirecting the clients' :443
 * flows to the engine's transparent door. Nothing has a route out: the networks are internal, and
 * only a one-shot helper (not the client) holds NET_ADMIN to point the client's route at the gateway.
 */
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StartedTestContainer } from 'testcontainers';
import type { Route } from '../../clients/types.ts';
import type { Forger } from '../../ca/types.ts';
import type { EngineEvent } from '../../proxy/types.ts';
import type { Lab, OriginContact, OriginVisit, RouteKind, Topology } from '../types.ts';
import { reportingStream, type ReportingProcess } from '../line-channel.ts';
import { createServer, type Socket } from 'node:net';
import { mkdirSync } from 'node:fs';
import { ORIGIN_PORT, startClientContainer, startDnsContainer, startGatewayContainer, startOriginContainer, type GatewayStart } from './role-containers.ts';
import { createInternalNetwork, removeNetwork, type LabNetwork } from './networks.ts';
import { newRunId, runLabels } from './labels.ts';
import { reap } from './reaper.ts';
import { runOneShot } from './one-shot.ts';
import { openForgeChannel, type ForgeChannel } from './forge-channel.ts';
import type { ContainerSession } from './session.ts';
import { FORGE_MOUNT, type GatewayConfig } from './roles/gateway-config.ts';
import { LaneLedger, splitAddress, type LaneWire } from '../lanes.ts';
import { splitPem } from '../../ca/pem-text.ts';
import { spawnOnHost, startDumpcap, type Capture } from '../capture.ts';

interface OriginRecords {
  visits: OriginVisit[];
  contacts: OriginContact[];
}

const REPORTS_SOCKET = 'reports.sock';

/**
 * The lab's end of the report socket: the gateway's engine events and key lines, and each
 * origin's visits and contacts (an origin names itself first), each on its own ordered stream.
 */
async function openReportServer(dir: string, handlers: { onEvent(e: EngineEvent): void; onKeylog?(conn: number, line: Buffer): void; origin(site: string): OriginRecords | undefined }) {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const streams = new Set<ReportingProcess>();
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let origin: OriginRecords | undefined;
    const stream = reportingStream(socket, socket, (msg) => {
      if (msg.type === 'hello' && typeof msg.origin === 'string') origin = handlers.origin(msg.origin);
      else if (msg.type === 'event' && msg.event) handlers.onEvent(msg.event as EngineEvent);
      else if (msg.type === 'keylog' && typeof msg.conn === 'number' && typeof msg.line === 'string') handlers.onKeylog?.(msg.conn, Buffer.from(msg.line, 'latin1'));
      else if (msg.type === 'visit' && msg.visit) origin?.visits.push(msg.visit as OriginVisit);
      else if (msg.type === 'contact' && msg.contact) origin?.contacts.push(msg.contact as OriginContact);
    });
    streams.add(stream);
    socket.once('close', () => streams.delete(stream));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(join(dir, REPORTS_SOCKET), () => resolve());
  });
  return {
    dir,
    /** every report written so far, by the gateway and every origin, has arrived */
    settle: async () => {
      await Promise.all([...streams].map((s) => s.sync()));
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** both legs cross the networks' bridges on the host: one dumpcap there sees every cell */
async function startLabCapture(networks: LabNetwork[], workDir: string): Promise<Capture | string> {
  const bridges = networks.map((n) => n.bridge).filter((b): b is string => b !== undefined);
  if (bridges.length < networks.length) return 'captures need the networks\' bridge interfaces on the host (podman names them; this engine does not)';
  if (process.getuid?.() !== 0) return 'capturing on the lab bridges needs root (dumpcap)';
  try {
    return await startDumpcap(spawnOnHost, {
      interfaces: bridges,
      file: join(workDir, 'containers.pcapng'),
      filter: 'tcp',
      where: 'the host, on the lab bridges',
    });
  } catch (err) {
    return (err as Error).message;
  }
}

/** Hyperquack's second vantage, off the box's path: a handshake from inside the origin's own container. */
async function vantageChain(origin: StartedTestContainer | undefined, site: string): Promise<string[] | { skipped: string }> {
  if (!origin) return { skipped: `no origin container for ${site}` };
  const r = await origin.exec(['openssl', 's_client', '-connect', `127.0.0.1:${ORIGIN_PORT}`, '-servername', site, '-showcerts']);
  const chain = splitPem(r.output);
  return chain.length > 0 ? chain : { skipped: `openssl s_client inside the origin container got no certificate: ${r.output.trim().split('\n').slice(-1)[0] ?? ''}` };
}

const TRANSPARENT_PORT = 8443;
const SNI_PORT = 443;
const CONNECT_PORT = 3128;
/** lane n's doors: SNI on LANE_SNI_BASE + n, CONNECT on LANE_CONNECT_BASE + n */
const LANE_SNI_BASE = 10_000;
const LANE_CONNECT_BASE = 20_000;
/** the gateway and origins report through container logs (no stdin to ask them to sync): quiet this long means caught up */


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

function laneDoors(lanes: number): GatewayConfig['lanes'] {
  return Array.from({ length: Math.max(1, lanes) }, (_, i) => ({ sni: LANE_SNI_BASE + i + 1, connect: LANE_CONNECT_BASE + i + 1 }));
}

function gatewayConfig(topology: Topology, clients: LabNetwork, origins: Map<string, string>): GatewayConfig {
  const interception = topology.interception;
  return {
    lanes: laneDoors(topology.lanes ?? 1),
    ...(topology.capture && { keylogLines: true }),
    insideSubnet: clients.subnet,
    interceptDestinations: [...origins.values()],
    transparentPort: TRANSPARENT_PORT,
    sniPort: SNI_PORT,
    connectPort: CONNECT_PORT,
    targets: { names: [...(interception?.targets.names ?? [])], ...(interception?.targets.wildcard ? { wildcard: true } : {}) },
    upstream: interception?.upstream ?? { verify: false },
    forgerProfile: interception?.forger.profile ?? 'none',
    forgeSocket: `${FORGE_MOUNT}/forge.sock`,
    reportSocket: `${FORGE_MOUNT}/reports/${REPORTS_SOCKET}`,
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
  const records = new Map<string, OriginRecords>();
  let reportServer: Awaited<ReturnType<typeof openReportServer>> | undefined;
  let ledger: LaneLedger | undefined;
  let capture: Capture | undefined;
  const gatewayErrors: string[] = [];
  const t0 = Date.now();

  const teardown = async (): Promise<void> => {
    if (capture && ledger) {
      await capture.stop(ledger.lastCapturedActivity()).catch(() => undefined);
      await ledger.splitCaptures(capture.file).catch(() => undefined);
    }
    await Promise.allSettled(started.map((c) => c.stop({ timeout: 0 })));
    await Promise.allSettled(networks.map((n) => removeNetwork(endpoint, n)));
    await reportServer?.close();
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
    // inside the forge dir (cleaned with it); origins get only this subdirectory mounted
    reportServer = await openReportServer(join(forge.dir, 'reports'), {
      onEvent: (e) => {
        events.push(e);
        ledger?.feed(e);
      },
      ...(topology.capture && { onKeylog: (conn: number, line: Buffer) => ledger?.keylogLine(conn, line) }),
      origin: (site) => records.get(site.toLowerCase()),
    });

    const ctx = { runId, labels };
    const originIps = new Map<string, string>();
    const originContainers = new Map<string, StartedTestContainer>();
    await timed(timings, 'origins', () =>
      Promise.all(
        topology.origins.map(async (spec) => {
          const site = spec.name.toLowerCase();
          records.set(site, { visits: [], contacts: [] });
          const origin = await timed(timings, `start:origin:${site}`, () => startOriginContainer(ctx, images.origin, internet, spec, reportServer!.dir, REPORTS_SOCKET));
          originContainers.set(site, origin);
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
    const captureProblem = topology.capture ? await startLabCapture([clients, internet], topology.workDir).then((c) => {
      if (typeof c === 'string') return c;
      capture = c;
      return undefined;
    }) : undefined;
    const wires: LaneWire[] = laneDoors(topology.lanes ?? 1).map((doors, i) => ({
      id: i + 1,
      url: (site) => {
        originIp(site);
        return `https://${site.toLowerCase()}/`;
      },
      route: (site, kind: RouteKind): Route => {
        originIp(site);
        return kind === 'direct' ? { kind, host: gatewayInside, port: doors.sni } : { kind, host: gatewayInside, port: doors.connect };
      },
    }));
    const laneByPort = new Map(laneDoors(topology.lanes ?? 1).flatMap((d, i) => [[d.sni, i + 1], [d.connect, i + 1]] as const));
    ledger = new LaneLedger(wires, {
      laneOf: (accepted) => laneByPort.get(splitAddress(accepted.local).port ?? 0),
      recordings: {
        originVisits: (site) => records.get(site.toLowerCase())?.visits ?? [],
        originContacts: (site) => records.get(site.toLowerCase())?.contacts ?? [],
        originChainPem: (site) => splitPem(topology.origins.find((o) => o.name.toLowerCase() === site.toLowerCase())?.chainPem ?? ''),
        settle: () => reportServer!.settle(),
      },
      writeKeylog: (file, lines) => writeFile(file, Buffer.concat(lines), { mode: 0o600 }),
      ...(captureProblem !== undefined && { captureProblem }),
    });
    const lanes = ledger;
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
      originView: (site) => records.get(site.toLowerCase())?.visits ?? [],
      engineEvents: () => events,
      lease: () => lanes.lease(),
      vantageChain: (site) => vantageChain(originContainers.get(site.toLowerCase()), site),
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
