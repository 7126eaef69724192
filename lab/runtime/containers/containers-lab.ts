/**
 * One scenario's hosts as containers, every client included:
 *
 *   client1..N ─┐                                           ┌─ origin per site :443
 *   dns ────────┴ clients ── r1 ── transit ── gateway ── internet
 *
 * One client container per lane (the harness execs every client, browsers included, into its
 * lane's container); routers that decrement TTL and nothing else; the gateway forwards clients'
 * :443 flows to the origins and redirects the targeted origins' ones to the engine's transparent
 * door (as the 2019 box sat on the path); the lab DNS answers only the scenario's names. Nothing
 * has a route out: the networks are internal, and the host never talks to a lab address.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StartedTestContainer } from 'testcontainers';
import type { ClientLauncher, Route } from '../../clients/types.ts';
import type { Forger } from '../../ca/types.ts';
import type { EngineEvent, TargetPolicy } from '../../proxy/types.ts';
import type { Lab, RouteKind, Topology } from '../types.ts';
import { ORIGIN_PORT, startClientContainer, startDnsContainer, startGatewayContainer, startOriginContainer, startRouterContainer, type GatewayStart, type RoleContext } from './role-containers.ts';
import { createInternalNetwork, removeNetwork, type LabNetwork } from './networks.ts';
import { newRunId, runLabels } from './labels.ts';
import { reap } from './reaper.ts';
import { openForgeChannel, type ForgeChannel } from './forge-channel.ts';
import type { ContainerSession } from './session.ts';
import { FORGE_MOUNT, type GatewayConfig } from './roles/gateway-config.ts';
import { hostOf, LaneLedger, type LaneWire } from '../lanes.ts';
import { splitPem } from '../../ca/pem-text.ts';
import { spawnOnHost, startDumpcap, type Capture } from '../capture.ts';
import { openReportServer, REPORTS_SOCKET, type OriginRecords, type ReportServer } from './report-server.ts';
import { containerLauncher } from './client-launcher.ts';
import { routeFromHelper, routeInPlace, type LabRoute } from './routes.ts';
import type { Readiness } from './readiness.ts';
import { localiseFromClient } from './path-localise.ts';
import { createLabTempDir, removeRegisteredDir } from '../registry/run.ts';
import { normaliseName } from '../../proxy/targets.ts';
import { gatewayBoxDir, startGatewayBox, type GatewayBoxDir } from './gateway-box.ts';

const TRANSPARENT_PORT = 8443;
const CONNECT_PORT = 3128;
/** routers between the clients and the gateway unless told otherwise: the box is hop 2, as a box one router into an ISP */
export const DEFAULT_ROUTERS = 1;
const CLIENT_HOME = 'containers-client-home';

/** Both legs cross the clients' and the origins' bridges on the host: one dumpcap there sees every cell. */
async function startLabCapture(networks: LabNetwork[], workDir: string): Promise<Capture | string> {
  const bridges = networks.map((n) => n.bridge).filter((b): b is string => b !== undefined);
  if (bridges.length < networks.length) return "captures need the networks' bridge interfaces on the host, and this engine did not name them";
  if (process.getuid?.() !== 0) return 'capturing on the lab bridges needs root (dumpcap)';
  try {
    return await startDumpcap(spawnOnHost, { interfaces: bridges, file: join(workDir, 'containers.pcapng'), filter: 'tcp', where: 'the host, on the lab bridges' });
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

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface LabAddresses {
  clientsSubnet: string;
  internetSubnet: string;
  /** the gateway's address on the clients' side (behind the routers) */
  gatewayInside: string;
  gatewayOutside: string;
  dns: string;
  /** one per lane */
  clients: string[];
  /** per router, its address on the clients' side */
  routers: string[];
  origins: Record<string, string>;
}

export interface ContainersLab extends Lab {
  readonly runId: string;
  readonly addresses: LabAddresses;
  readonly clientLauncher: ClientLauncher;
  /** ms per start-up phase, and per container start */
  readonly timings: Record<string, number>;
  /** how a client inside a client container reaches a site: its origin's own address, in the gateway's path */
  clientRouteFor(site: string): Route;
  /** runs a command in lane 1's client container (no shell unless argv asks for one) */
  execInClient(argv: string[], options?: { timeoutMs?: number }): Promise<ExecResult>;
  /** writes files (trust anchors, configs) into lane 1's client container */
  copyToClient(files: { content: string | Buffer; target: string }[]): Promise<void>;
}

export interface ContainersLabOptions {
  /** routers between the clients and the gateway (default DEFAULT_ROUTERS) */
  routers?: number;
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

/** the origins whose :443 flows meet the engine: the targeted ones (all of them for a wildcard box), as the 2019 box */
function interceptedAddresses(targets: TargetPolicy | undefined, origins: Map<string, string>): string[] {
  if (!targets) return [];
  return [...origins].filter(([site]) => targets.wildcard || targets.names.has(normaliseName(site))).map(([, ip]) => ip);
}

function gatewayConfig(topology: Topology, inside: LabNetwork, outside: LabNetwork, origins: Map<string, string>, routes: LabRoute[], box: GatewayBoxDir | undefined): GatewayConfig {
  const interception = topology.interception;
  return {
    insideSubnet: inside.subnet,
    outsideSubnet: outside.subnet,
    // a foreign box takes every :443 flow once it listens (gateway-box.ts); the engine none
    interceptDestinations: box ? [] : interceptedAddresses(interception?.targets, origins),
    transparentPort: TRANSPARENT_PORT,
    connectPort: CONNECT_PORT,
    targets: { names: [...(interception?.targets.names ?? [])], ...(interception?.targets.wildcard ? { wildcard: true } : {}) },
    upstream: interception?.upstream ?? { verify: false },
    forgerProfile: interception?.forger.profile ?? 'none',
    forgeSocket: `${FORGE_MOUNT}/forge.sock`,
    reportSocket: `${FORGE_MOUNT}/reports/${REPORTS_SOCKET}`,
    sites: Object.fromEntries(origins),
    routes,
    ...(topology.capture && { keylogLines: true }),
    ...(box && { boxAgentSocket: box.agentSocket }),
  };
}

/** waits for every start to settle (so that teardown sees all they started), then throws the first failure */
async function allStarted<T extends readonly unknown[]>(work: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(work);
  for (const r of settled) if (r.status === 'rejected') throw r.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** origins say they listen on the report socket, possibly before the lab has their container's handle */
class Rollcall {
  private readonly heardFrom = new Set<string>();
  private readonly expected = new Map<string, Readiness>();

  expect(site: string, readiness: Readiness): void {
    this.expected.set(site, readiness);
    if (this.heardFrom.has(site)) readiness.ready();
  }

  heard(site: string): void {
    this.heardFrom.add(site);
    this.expected.get(site)?.ready();
  }

  all(): Promise<void[]> {
    return Promise.all([...this.expected.values()].map((r) => r.promise));
  }
}

/** every client sees the topology's work dir: a client's trust and profile files must be there */
function checkWorkDirVisible(client: StartedTestContainer, marker: string): Promise<void> {
  return client.exec(['cat', marker]).then((seen) => {
    if (seen.exitCode !== 0 || seen.stdout !== 'yes') throw new Error(`containers runtime: the work dir is not visible in ${client.getName()} (${seen.output.trim() || `cat exited ${seen.exitCode}`})`);
  });
}

export async function upContainersLab(session: ContainerSession, topology: Topology, options: ContainersLabOptions = {}): Promise<ContainersLab> {
  const { endpoint } = session.engine;
  const routerCount = options.routers ?? DEFAULT_ROUTERS;
  if (!Number.isInteger(routerCount) || routerCount < 0) throw new Error('routers must be a non-negative integer');
  const laneCount = Math.max(1, topology.lanes ?? 1);
  const runId = newRunId();
  const labels = runLabels(runId);
  const ctx: RoleContext = { runId, labels, image: session.build.image };
  const timings: Record<string, number> = {};
  const networks: LabNetwork[] = [];
  let forge: ForgeChannel | undefined;
  let sharedDir: string | undefined;
  const events: EngineEvent[] = [];
  const records = new Map<string, OriginRecords>();
  let reportServer: ReportServer | undefined;
  let ledger: LaneLedger | undefined;
  let capture: Capture | undefined;
  let boxDir: GatewayBoxDir | undefined;
  let foreignBox: { close(): Promise<void> } | undefined;
  const originsListening = new Rollcall();
  const t0 = Date.now();

  const teardown = async (): Promise<void> => {
    if (capture && ledger) {
      await capture.stop(ledger.lastCapturedActivity()).catch(() => undefined);
      await ledger.splitCaptures(capture.file).catch(() => undefined);
    }
    // the box's own clean-up (squid's dir); its processes would die with the container anyway
    await foreignBox?.close().catch(() => undefined);
    // one forced DELETE per container (kill and remove at once), every one of the run's, also
    // what a half-finished start-up created without our knowing its id; then the networks
    await reap(endpoint, { run: runId }).catch(() => undefined);
    await Promise.allSettled(networks.map((n) => removeNetwork(endpoint, n)));
    await reportServer?.close();
    await forge?.close();
    if (sharedDir) removeRegisteredDir(sharedDir);
    boxDir?.remove();
  };

  try {
    // clients ── r1 ── t1 ── … ── rN ── tN ── gateway ── internet
    const chain = await timed(timings, 'networks', () =>
      Promise.all([
        createInternalNetwork(endpoint, `tlslab-${runId}-clients`, labels),
        ...Array.from({ length: routerCount }, (_, i) => createInternalNetwork(endpoint, `tlslab-${runId}-transit${i + 1}`, labels)),
        createInternalNetwork(endpoint, `tlslab-${runId}-internet`, labels),
      ]),
    );
    networks.push(...chain);
    for (const n of chain) session.trackNetwork(n);
    const clientsNet = chain[0]!;
    const internet = chain.at(-1)!;
    const gatewayInsideNet = chain[routerCount]!;

    forge = await openForgeChannel(topology.interception?.forger ?? refusingForger);
    // inside the forge dir (cleaned with it); origins get only this subdirectory mounted
    reportServer = await openReportServer(join(forge.dir, 'reports'), {
      onEvent: (e) => {
        events.push(e);
        ledger?.feed(e);
      },
      ...(topology.capture && { onKeylog: (conn: number, line: Buffer) => ledger?.keylogLine(conn, line) }),
      origin: (site) => records.get(site.toLowerCase()),
      onListening: (site) => originsListening.heard(site.toLowerCase()),
    });
    const reportsDir = reportServer.dir;
    sharedDir = createLabTempDir('tlslab-share-', 'containers shared dir');
    const agentSocket = (lane: number): string => join(sharedDir!, `agent-${lane}.sock`);
    const clientHome = join(topology.workDir, CLIENT_HOME);
    mkdirSync(clientHome, { recursive: true, mode: 0o700 });
    const marker = join(topology.workDir, '.visible-in-client-containers');
    writeFileSync(marker, 'yes');

    const originIps = new Map<string, string>();
    const originContainers = new Map<string, StartedTestContainer>();
    const startOrigins = timed(timings, 'origins running', () =>
      Promise.all(
        topology.origins.map(async (spec) => {
          const site = spec.name.toLowerCase();
          records.set(site, { visits: [], contacts: [] });
          const origin = await startOriginContainer(ctx, internet, spec, reportsDir, REPORTS_SOCKET);
          originContainers.set(site, origin.container);
          originIps.set(site, origin.container.getIpAddress(internet.name));
          originsListening.expect(site, origin.readiness);
        }),
      ),
    );
    const startRouters = timed(timings, 'routers', () =>
      Promise.all(
        Array.from({ length: routerCount }, async (_, i) => {
          const router = await startRouterContainer(ctx, `r${i + 1}`, endpoint, chain[i]!, chain[i + 1]!);
          return router;
        }),
      ),
    );
    const [routers] = await allStarted([startRouters, startOrigins]);
    // a router's address on the network nearer the clients, and on the one farther
    const near = (i: number) => routers[i]!.getIpAddress(chain[i]!.name);
    const far = (i: number) => routers[i]!.getIpAddress(chain[i + 1]!.name);
    const subnetsBefore = (k: number) => chain.slice(0, k).map((n) => n.subnet);

    if (topology.box) boxDir = gatewayBoxDir();
    const gatewayStart: GatewayStart = {
      endpoint,
      inside: gatewayInsideNet,
      outside: internet,
      forgeDir: forge.dir,
      // back towards every network before the last router, through it
      config: gatewayConfig(topology, gatewayInsideNet, internet, originIps, routerCount > 0 ? subnetsBefore(routerCount).map((to) => ({ to, via: far(routerCount - 1) })) : [], boxDir),
      ...(boxDir && { boxDir: boxDir.dir }),
    };
    // the gateway's addresses are known once it runs: routes towards it go in while its engine starts
    const gatewayAndRoutes = timed(timings, 'gateway running + routes', async () => {
      const gateway = await startGatewayContainer(ctx, gatewayStart);
      const inside = gateway.container.getIpAddress(gatewayInsideNet.name);
      const outside = gateway.container.getIpAddress(internet.name);
      await Promise.all([
        // origins: back to every network on the clients' side, via the gateway
        ...[...originContainers.values()].map((o) => routeFromHelper(endpoint, ctx.image, o, chain.slice(0, -1).map((n) => ({ to: n.subnet, via: outside })), labels)),
        // router k: onwards via the next hop, back via the previous one
        ...routers.map((r, k) =>
          routeInPlace(r, [
            ...chain.slice(k + 2).map((n) => ({ to: n.subnet, via: k + 1 < routerCount ? near(k + 1) : inside })),
            ...(k > 0 ? subnetsBefore(k).map((to) => ({ to, via: far(k - 1) })) : []),
          ]),
        ),
      ]);
      return { gateway, inside, outside };
    });
    const clientsAndRoutes = timed(timings, 'dns + clients + routes', async () => {
      const dns = await startDnsContainer(ctx, clientsNet, originIps);
      const dnsIp = dns.getIpAddress(clientsNet.name);
      const clients = await Promise.all(
        Array.from({ length: laneCount }, async (_, i) => {
          const client = await startClientContainer(ctx, i + 1, clientsNet, dnsIp, agentSocket(i + 1), [topology.workDir, sharedDir!]);
          return client;
        }),
      );
      // clients: every network past their own, via the first hop (r1, or the gateway itself)
      const firstHop = routerCount > 0 ? near(0) : (await gatewayAndRoutes).inside;
      await Promise.all([
        ...clients.map((c) => routeFromHelper(endpoint, ctx.image, c, chain.slice(1).map((n) => ({ to: n.subnet, via: firstHop })), labels)),
        ...clients.map((c) => checkWorkDirVisible(c, marker)),
      ]);
      return { dnsIp, clients };
    });
    const [{ gateway, inside: gatewayInside, outside: gatewayOutside }, { dnsIp, clients }] = await allStarted([gatewayAndRoutes, clientsAndRoutes]);
    // a foreign box starts as soon as the gateway listens, while the origins come up
    const gatewayReady = gateway.readiness.promise.then(async () => {
      if (!boxDir) return;
      const inside = await gateway.inside;
      foreignBox = await timed(timings, `box ${topology.box!.interceptor.name} in the gateway`, () => startGatewayBox(topology, boxDir!, inside, originIps));
    });
    await timed(timings, 'roles ready', () => allStarted([gatewayReady, originsListening.all()]));

    const captureProblem = topology.capture
      ? await startLabCapture([clientsNet, internet], topology.workDir).then((c) => {
          if (typeof c === 'string') return c;
          capture = c;
          return undefined;
        })
      : undefined;

    const originIp = (site: string): string => {
      const ip = originIps.get(site.toLowerCase());
      if (!ip) throw new Error(`containers runtime: no origin for ${site}`);
      return ip;
    };
    const urlFor = (site: string): string => {
      originIp(site);
      return `https://${site.toLowerCase()}/`;
    };
    // direct: the origin's own address, which the gateway sits in front of; connect: the engine's
    // CONNECT door (a foreign box in the gateway has none: it sees only redirected flows)
    const routeKinds: RouteKind[] = topology.box ? ['direct'] : ['direct', 'connect'];
    const routeFor = (site: string, kind: RouteKind): Route => {
      const origin = originIp(site);
      if (!routeKinds.includes(kind)) throw new Error(`containers runtime: ${topology.box!.interceptor.name} in the gateway takes only direct routes (transparent interception), not ${kind}`);
      return kind === 'direct' ? { kind, host: origin, port: ORIGIN_PORT } : { kind, host: gatewayInside, port: CONNECT_PORT };
    };
    const clientAddresses = clients.map((c) => c.getIpAddress(clientsNet.name));
    const wires: LaneWire[] = clients.map((client, i) => ({
      id: i + 1,
      clientLauncher: containerLauncher({ agentSocket: agentSocket(i + 1), sharedDir: sharedDir!, home: clientHome, where: `the containers lab's client container of lane ${i + 1} (${client.getName().replace(/^\//, '')})` }),
      // untargeted flows are forwarded untouched: the origin sees the client container itself
      clientHost: clientAddresses[i]!,
      url: urlFor,
      route: routeFor,
    }));
    const laneByAddress = new Map(wires.map((w) => [w.clientHost!, w.id]));
    ledger = new LaneLedger(wires, {
      // no NAT on the way: the client container's own address names the lane, whichever door it came in by
      laneOf: (accepted) => laneByAddress.get(hostOf(accepted.remote)),
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
      clientsSubnet: clientsNet.subnet,
      internetSubnet: internet.subnet,
      gatewayInside,
      gatewayOutside,
      dns: dnsIp,
      clients: clientAddresses,
      routers: routers.map((_, i) => near(i)),
      origins: Object.fromEntries(originIps),
    };
    const firstClient = clients[0]!;
    // each origin's own view, fetched now while the grid runs (the harness asks for them one by one
    // afterwards); a handshake from the origin's loopback belongs to no lane
    const vantage = new Map([...originContainers].map(([site, origin]) => {
      const chain = vantageChain(origin, site).catch((err: Error): { skipped: string } => ({ skipped: `openssl s_client in the origin container failed: ${err.message}` }));
      return [site, chain] as const;
    }));
    let downed: Promise<void> | undefined;
    return {
      runtime: 'containers',
      runId,
      addresses,
      timings,
      clientLauncher: wires[0]!.clientLauncher!,
      routeKinds,
      urlFor,
      routeFor,
      clientRouteFor: (site) => routeFor(site, 'direct'),
      originView: (site) => records.get(site.toLowerCase())?.visits ?? [],
      engineEvents: () => events,
      lease: () => lanes.lease(),
      vantageChain: (site) => vantage.get(site.toLowerCase()) ?? vantageChain(undefined, site),
      localise: (request) => localiseFromClient(firstClient, { routers: routerCount, siteAddress: originIp }, request),
      gatewayHop: routerCount + 1,
      async execInClient(argv, execOptions = {}) {
        const t = Date.now();
        const timeoutMs = execOptions.timeoutMs ?? 60_000;
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`exec in client timed out after ${timeoutMs} ms: ${argv.join(' ')}`)), timeoutMs);
        });
        try {
          const r = await Promise.race([firstClient.exec(argv), timeout]);
          return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, durationMs: Date.now() - t };
        } finally {
          clearTimeout(timer);
        }
      },
      copyToClient: (files) => firstClient.copyContentToContainer(files),
      down: () => (downed ??= teardown()),
    };
  } catch (err) {
    await teardown();
    throw err;
  }
}
