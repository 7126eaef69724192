/**
 * The `netns` Runtime: the scenario's topology as sealed namespaces. Origins run in their own
 * namespaces on port 443 at lab addresses, the engine's transparent door runs in the gateway
 * behind REDIRECT, and clients reach sites by name through the lab DNS, exactly as in 2019.
 *
 * Clients must run inside the client namespace: `clientArgv` wraps a command for that. A client
 * started any other way would reach for a lab address from the host's namespace, where the
 * default route leads off the machine, so the harness must use it (see docs/netns.md).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClientLauncher, Route } from '../../clients/types.ts';
import type { EngineEvent } from '../../proxy/types.ts';
import type { Lab, OriginVisit, Runtime, RouteKind, Topology } from '../types.ts';
import { NetnsLab } from './lab.ts';
import type { TopologySpec } from './topology.ts';
import { checkPrivileges } from './privileges.ts';
import { startNetnsOrigin, type RunningOrigin } from './origins.ts';
import { cleanClientEnv, installSystemTrust } from './etc-files.ts';
import { startInterceptingGateway, type RunningGateway } from './gateway.ts';
import { foreignBoxPolicy, startForeignGateway } from '../foreign-gateway.ts';
import { installInterception } from './interception.ts';
import { createLabTempDir } from '../registry/run.ts';
import { startCapture, type Capture } from './capture.ts';
import { vantageChain } from './vantage.ts';
import { hostPlan } from './topology.ts';
import { hostOf, LaneLedger, type LaneWire } from '../lanes.ts';
import { splitPem } from '../../ca/pem-text.ts';
import { localisePaths } from './path-probe.ts';
import { PDEATHSIG } from './process.ts';

export interface NetnsRuntimeOptions {
  routersBeforeGateway?: number;
  /** 'all': every :443 flow meets the engine, which splices untargeted SNIs; 'destinations': only targeted sites' addresses */
  selection?: 'all' | 'destinations';
  labRange?: string;
  /**
   * The caller promises to start every client through `clientArgv`. Without that promise the
   * runtime refuses to come up: a client started on the host would send lab traffic to the
   * host's default route, off the machine.
   */
  clientsRunInLab?: boolean;
}

export interface NetnsLabHandle extends Lab {
  readonly netns: NetnsLab;
  readonly clientLauncher: ClientLauncher;
  /** argv that runs a client command inside the client namespace with a clean environment */
  clientArgv(argv: readonly string[], home: string): string[];
}

export function createNetnsRuntime(options: NetnsRuntimeOptions = {}): Runtime {
  return {
    name: 'netns',
    interceptsOnPath: true,
    hostsForeignBoxes: true,
    async probe() {
      if (!options.clientsRunInLab) return { available: false, reason: CLIENTS_NOT_WRAPPED };
      const p = await checkPrivileges();
      return p.available ? { available: true } : { available: false, reason: p.reason };
    },
    up: (topology) => {
      if (!options.clientsRunInLab) return Promise.reject(new Error(CLIENTS_NOT_WRAPPED));
      return upNetns(topology, options);
    },
  };
}

const CLIENTS_NOT_WRAPPED =
  'netns runtime: clients must run inside the lab (Lab.clientArgv); this harness starts them on the host, ' +
  'where lab addresses route off the machine (docs/netns.md, "Interface gaps")';

/** safe default: unavailable until the harness starts clients through clientArgv */
export const netnsRuntime: Runtime = createNetnsRuntime({ routersBeforeGateway: 2 });

/** The namespaces a topology becomes: origin i is host `origin-s<i>`, one client namespace per lane. Pure, so tests can plan the same addresses. */
export function netnsTopologySpec(siteNames: readonly string[], options: NetnsRuntimeOptions, lanes = 1): TopologySpec {
  return {
    clients: Math.max(1, lanes),
    routersBeforeGateway: options.routersBeforeGateway ?? 2,
    origins: siteNames.map((name, i) => ({ name: `s${i}`, sites: [name.toLowerCase()] })),
    ...(options.labRange ? { labRange: options.labRange } : {}),
  };
}

async function upNetns(topology: Topology, options: NetnsRuntimeOptions): Promise<NetnsLabHandle> {
  const hostOfSite = new Map(topology.origins.map((o, i) => [o.name.toLowerCase(), `s${i}`]));
  const lab = await NetnsLab.up(netnsTopologySpec(topology.origins.map((o) => o.name), options, topology.lanes));
  const closers: Array<() => Promise<unknown>> = [() => lab.down()];
  const events: EngineEvent[] = [];
  const origins = new Map<string, RunningOrigin>();
  let gateway: RunningGateway | undefined;
  let ledger: LaneLedger | undefined;
  let capture: Capture | undefined;
  let captureProblem: string | undefined;
  const down = async (): Promise<void> => {
    if (capture && ledger) {
      await capture.stop(ledger.lastCapturedActivity()).catch(() => undefined);
      await ledger.splitCaptures(capture.file).catch(() => undefined);
    }
    for (const c of closers.reverse().splice(0)) await c().catch(() => undefined);
  };
  try {
    const startOrigins = Promise.all(
      topology.origins.map(async (o) => {
        const host = `origin-${hostOfSite.get(o.name.toLowerCase())}`;
        origins.set(o.name.toLowerCase(), await startNetnsOrigin(lab, host, o, topology.workDir));
      }),
    );
    const reports = {
      onEvent: (e: EngineEvent) => {
        events.push(e);
        ledger?.feed(e);
      },
      ...(topology.capture && { onKeylog: (conn: number, line: Buffer) => ledger?.keylogLine(conn, line) }),
    };
    const startBox = !topology.interception
      ? Promise.resolve()
      : (topology.box ? startForeignBox(lab, topology) : startInterceptingGateway(lab, topology.interception, options.selection ?? 'all', topology.workDir, reports)).then((g) => {
          gateway = g;
          closers.push(() => g.close());
        });
    const startCaptureOnGateway = topology.capture
      ? startCapture(lab, lab.plan.gateway, gatewayInterfaces(lab), join(topology.workDir, 'netns.pcapng'), 'tcp port 443').then(
          (c) => {
            capture = c;
          },
          (err: Error) => {
            captureProblem = err.message;
          },
        )
      : Promise.resolve();
    // all must settle before clean-up can see everything they started
    const settled = await Promise.allSettled([startOrigins, startBox, startCaptureOnGateway, ...lab.plan.clients.map((c) => prepareClientNamespace(lab, c, topology.workDir))]);
    for (const r of settled) if (r.status === 'rejected') throw r.reason;
  } catch (err) {
    await down();
    throw err;
  }
  const originOf = (site: string): RunningOrigin => {
    const o = origins.get(site.toLowerCase());
    if (!o) throw new Error(`netns runtime: no origin for ${site}`);
    return o;
  };
  const urlFor = (site: string) => {
    originOf(site);
    return `https://${site.toLowerCase()}/`;
  };
  const routeFor = (site: string, kind: RouteKind): Route => {
    if (kind !== 'direct') throw new Error(`netns runtime offers only direct routes (transparent interception), not ${kind}`);
    return { kind: 'direct', host: originOf(site).address, port: 443 };
  };
  const clientHome = join(topology.workDir, CLIENT_HOME);
  const wires: LaneWire[] = lab.plan.clients.map((client, i) => ({
    id: i + 1,
    clientLauncher: clientLauncherFor(lab, clientHome, client),
    clientHost: lab.address(client),
    url: urlFor,
    route: routeFor,
  }));
  const laneByAddress = new Map(wires.map((w) => [w.clientHost!, w.id]));
  ledger = new LaneLedger(wires, {
    // REDIRECT keeps the client's own source address: it names the client namespace, so the lane
    laneOf: (accepted) => laneByAddress.get(hostOf(accepted.remote)),
    recordings: {
      originVisits: (site) => originOf(site).visits,
      originContacts: (site) => originOf(site).contacts,
      originChainPem: (site) => splitPem(topology.origins.find((o) => o.name.toLowerCase() === site.toLowerCase())?.chainPem ?? ''),
      settle: async () => {
        await Promise.all([gateway?.sync(), ...[...origins.values()].map((o) => o.reports.sync())]);
      },
    },
    writeKeylog: (file, lines) => writeFile(file, Buffer.concat(lines), { mode: 0o600 }),
    ...(captureProblem !== undefined && { captureProblem }),
  });
  const lanes = ledger;
  let downed: Promise<void> | undefined;
  const firstClient = lab.plan.clients[0]!;
  return {
    runtime: 'netns',
    clientLauncher: wires[0]!.clientLauncher!,
    localise: (request) => localisePaths(lab, request),
    gatewayHop: lab.hop(lab.plan.gateway),
    routeKinds: ['direct'],
    netns: lab,
    urlFor,
    routeFor,
    originView: (site): readonly OriginVisit[] => originOf(site).visits,
    engineEvents: () => events,
    lease: () => lanes.lease(),
    vantageChain: (site) => vantageChain(lab, originOf(site).address, site),
    clientArgv: (argv, home) => lab.holder.namespaceArgv(lab.ns(firstClient), argv, cleanClientEnv(home)),
    down: () => (downed ??= down()),
  };
}

/** a box the lab did not write, in the gateway namespace (lab/runtime/foreign-gateway.ts) */
async function startForeignBox(lab: NetnsLab, topology: Topology): Promise<RunningGateway> {
  const foreign = topology.box!;
  const dir = join(topology.workDir, `box-${foreign.interceptor.name}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const gateway = lab.plan.gateway;
  // the plan knows every site's address before its origin is up (a box may need them at start: squid's hosts file)
  const policy = foreignBoxPolicy(topology, (name) => {
    const address = lab.plan.siteAddresses[name.toLowerCase()];
    return address === undefined ? undefined : { host: address, port: 443 };
  });
  return startForeignGateway(
    {
      workDir: dir,
      spawn: (argv, env) => lab.spawn(gateway, argv, env),
      run: (argv, input) => lab.run(gateway, argv, { check: false, ...(input !== undefined && { input }) }),
      // the run's own dirs are private to root; the gateway namespace sees the host's temp dir
      userDir: (prefix, what) => createLabTempDir(prefix, what),
      redirectAll: (port) => installInterception(lab, { method: 'redirect', port, selection: { kind: 'all' } }),
    },
    foreign.interceptor,
    policy,
  );
}

/** every interface of the gateway: the clients' side and each origin's link (both legs of a cell) */
function gatewayInterfaces(lab: NetnsLab): string[] {
  return hostPlan(lab.plan, lab.plan.gateway).interfaces.map((i) => i.name);
}

const CLIENT_HOME = 'netns-client-home';

/** how the harness starts a client in one of the lab's client namespaces (exported so tests start shims the same way) */
export function clientLauncherFor(lab: NetnsLab, home: string, client = lab.plan.clients[0]!): ClientLauncher {
  const clientNs = lab.ns(client);
  return {
    where: `the netns lab's client namespace (${client})`,
    // the lab DNS answers every site with its origin's address, the direct route's host (port 443)
    resolvesSiteNames: true,
    // the client dies with the harness: a stray one would keep the namespace alive anonymously
    wrap: (argv, env) => [...PDEATHSIG, ...lab.holder.namespaceArgv(clientNs, argv, { ...cleanClientEnv(home), ...env })],
  };
}

/**
 * Clients bring their trust as files under the harness's workDir, so that dir must be the same
 * inside the holder's mount namespace (its private /run and /etc would hide one below them). The
 * namespace's own system store is emptied: a client falling back to it trusts nothing, so the
 * scenario state alone decides what is trusted.
 */
async function prepareClientNamespace(lab: NetnsLab, client: string, workDir: string): Promise<void> {
  mkdirSync(join(workDir, CLIENT_HOME), { recursive: true, mode: 0o700 });
  // one marker per client namespace: they are checked at once, and a rewrite truncates first
  const marker = join(workDir, CLIENT_HOME, `.visible-in-lab-${client}`);
  writeFileSync(marker, 'yes');
  const seen = await lab.run(client, ['cat', marker], { check: false });
  if (seen.stdout !== 'yes') {
    throw new Error(`netns runtime: the work dir ${workDir} is not visible inside the lab (the holder mounts its own /run and /etc); set TMPDIR elsewhere (${seen.stderr.trim() || `cat exited ${seen.code}`})`);
  }
  await installSystemTrust(lab.holder, lab.ns(client), []);
}
