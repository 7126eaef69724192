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
import { join } from 'node:path';
import type { ClientLauncher, Route } from '../../clients/types.ts';
import type { EngineEvent } from '../../proxy/types.ts';
import type { Lab, OriginVisit, Runtime, RouteKind, Topology } from '../types.ts';
import { NetnsLab } from './lab.ts';
import type { TopologySpec } from './topology.ts';
import { checkPrivileges } from './privileges.ts';
import { startNetnsOrigin, type RunningOrigin } from './origins.ts';
import { cleanClientEnv, installSystemTrust } from './etc-files.ts';
import { startInterceptingGateway } from './gateway.ts';
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

/** The namespaces a topology becomes: origin i is host `origin-s<i>`. Pure, so tests can plan the same addresses. */
export function netnsTopologySpec(siteNames: readonly string[], options: NetnsRuntimeOptions): TopologySpec {
  return {
    clients: 1,
    routersBeforeGateway: options.routersBeforeGateway ?? 2,
    origins: siteNames.map((name, i) => ({ name: `s${i}`, sites: [name.toLowerCase()] })),
    ...(options.labRange ? { labRange: options.labRange } : {}),
  };
}

async function upNetns(topology: Topology, options: NetnsRuntimeOptions): Promise<NetnsLabHandle> {
  const hostOf = new Map(topology.origins.map((o, i) => [o.name.toLowerCase(), `s${i}`]));
  const lab = await NetnsLab.up(netnsTopologySpec(topology.origins.map((o) => o.name), options));
  const closers: Array<() => Promise<unknown>> = [() => lab.down()];
  const events: EngineEvent[] = [];
  const origins = new Map<string, RunningOrigin>();
  const down = async (): Promise<void> => {
    for (const c of closers.reverse().splice(0)) await c().catch(() => undefined);
  };
  try {
    const startOrigins = Promise.all(
      topology.origins.map(async (o) => {
        const host = `origin-${hostOf.get(o.name.toLowerCase())}`;
        origins.set(o.name.toLowerCase(), await startNetnsOrigin(lab, host, o, topology.workDir));
      }),
    );
    const startBox = topology.interception
      ? startInterceptingGateway(lab, topology.interception, options.selection ?? 'all', topology.workDir, (e) => events.push(e)).then((close) => {
          closers.push(close);
        })
      : Promise.resolve();
    // both must settle before clean-up can see everything they started
    const [o, b, c] = await Promise.allSettled([startOrigins, startBox, prepareClientNamespace(lab, topology.workDir)]);
    if (o.status === 'rejected') throw o.reason;
    if (b.status === 'rejected') throw b.reason;
    if (c.status === 'rejected') throw c.reason;
  } catch (err) {
    await down();
    throw err;
  }
  const originOf = (site: string): RunningOrigin => {
    const o = origins.get(site.toLowerCase());
    if (!o) throw new Error(`netns runtime: no origin for ${site}`);
    return o;
  };
  let downed: Promise<void> | undefined;
  const clientNs = lab.ns(lab.plan.clients[0]!);
  const clientHome = join(topology.workDir, CLIENT_HOME);
  const clientLauncher = clientLauncherFor(lab, clientHome);
  return {
    runtime: 'netns',
    clientLauncher,
    localise: (request) => localisePaths(lab, request),
    routeKinds: ['direct'],
    netns: lab,
    urlFor: (site) => {
      originOf(site);
      return `https://${site.toLowerCase()}/`;
    },
    routeFor: (site, kind: RouteKind): Route => {
      if (kind !== 'direct') throw new Error(`netns runtime offers only direct routes (transparent interception), not ${kind}`);
      return { kind: 'direct', host: originOf(site).address, port: 443 };
    },
    originView: (site): readonly OriginVisit[] => originOf(site).visits,
    engineEvents: () => events,
    clientArgv: (argv, home) => lab.holder.namespaceArgv(clientNs, argv, cleanClientEnv(home)),
    down: () => (downed ??= down()),
  };
}

const CLIENT_HOME = 'netns-client-home';

/** how the harness starts a client in the lab's client namespace (exported so tests start shims the same way) */
export function clientLauncherFor(lab: NetnsLab, home: string): ClientLauncher {
  const clientNs = lab.ns(lab.plan.clients[0]!);
  return {
    where: "the netns lab's client namespace",
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
async function prepareClientNamespace(lab: NetnsLab, workDir: string): Promise<void> {
  mkdirSync(join(workDir, CLIENT_HOME), { recursive: true, mode: 0o700 });
  const marker = join(workDir, CLIENT_HOME, '.visible-in-lab');
  writeFileSync(marker, 'yes');
  const client = lab.plan.clients[0]!;
  const seen = await lab.run(client, ['cat', marker], { check: false });
  if (seen.stdout !== 'yes') {
    throw new Error(`netns runtime: the work dir ${workDir} is not visible inside the lab (the holder mounts its own /run and /etc); set TMPDIR elsewhere`);
  }
  await installSystemTrust(lab.holder, lab.ns(client), []);
}
