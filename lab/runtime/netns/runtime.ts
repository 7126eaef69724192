/**
 * The `netns` Runtime: the scenario's topology as sealed namespaces. Origins run in their own
 * namespaces on port 443 at lab addresses, the engine's transparent door runs in the gateway
 * behind REDIRECT, and clients reach sites by name through the lab DNS, exactly as in 2019.
 *
 * Clients must run inside the client namespace: `clientArgv` wraps a command for that. A client
 * started any other way would reach for a lab address from the host's namespace, where the
 * default route leads off the machine, so the harness must use it (see docs/netns.md).
 */
import type { Route } from '../../clients/types.ts';
import type { EngineEvent } from '../../proxy/types.ts';
import type { Lab, OriginVisit, Runtime, RouteKind, Topology } from '../types.ts';
import { NetnsLab } from './lab.ts';
import { checkPrivileges } from './privileges.ts';
import { startNetnsOrigin, type RunningOrigin } from './origins.ts';
import { cleanClientEnv } from './etc-files.ts';
import { startInterceptingGateway } from './gateway.ts';

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
  /** argv that runs a client command inside the client namespace with a clean environment */
  clientArgv(argv: readonly string[], home: string): string[];
}

export function createNetnsRuntime(options: NetnsRuntimeOptions = {}): Runtime {
  return {
    name: 'netns',
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

async function upNetns(topology: Topology, options: NetnsRuntimeOptions): Promise<NetnsLabHandle> {
  const hostOf = new Map(topology.origins.map((o, i) => [o.name.toLowerCase(), `s${i}`]));
  const lab = await NetnsLab.up({
    clients: 1,
    routersBeforeGateway: options.routersBeforeGateway ?? 2,
    origins: topology.origins.map((o, i) => ({ name: `s${i}`, sites: [o.name.toLowerCase()] })),
    ...(options.labRange ? { labRange: options.labRange } : {}),
  });
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
    const [o, b] = await Promise.allSettled([startOrigins, startBox]);
    if (o.status === 'rejected') throw o.reason;
    if (b.status === 'rejected') throw b.reason;
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
  return {
    runtime: 'netns',
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
    clientArgv: (argv, home) => lab.holder.namespaceArgv(lab.ns(lab.plan.clients[0]!), argv, cleanClientEnv(home)),
    down: () => (downed ??= down()),
  };
}
