/**
 * The `netns` Runtime: the scenario's topology as sealed namespaces. Origins run in their own
 * namespaces on port 443 at lab addresses, the engine's transparent door runs in the gateway
 * behind REDIRECT, and clients reach sites by name through the lab DNS, exactly as in 2019.
 *
 * Clients must run inside the client namespace: `clientArgv` wraps a command for that. A client
 * started any other way would reach for a lab address from the host's namespace, where the
 * default route leads off the machine, so the harness must use it (see docs/netns.md).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Route } from '../../clients/types.ts';
import type { EngineEvent } from '../../proxy/types.ts';
import type { Lab, OriginVisit, Runtime, RouteKind, Topology } from '../types.ts';
import { openForgeChannel } from '../containers/forge-channel.ts';
import { NetnsLab } from './lab.ts';
import { checkPrivileges } from './privileges.ts';
import { installInterception, startGatewayEngine } from './interception.ts';
import { startNetnsOrigin, type RunningOrigin } from './origins.ts';
import { nodeTsArgv } from './node-runner.ts';
import { cleanClientEnv } from './etc-files.ts';
import type { NetnsGatewayConfig } from './gateway-engine-main.ts';
import type { Selection } from './interception-rules.ts';

export const ENGINE_PORT = 20443;

export interface NetnsRuntimeOptions {
  routersBeforeGateway?: number;
  /** 'all': every :443 flow meets the engine, which splices untargeted SNIs; 'destinations': only targeted sites' addresses */
  selection?: 'all' | 'destinations';
  labRange?: string;
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
      const p = await checkPrivileges();
      return p.available ? { available: true } : { available: false, reason: p.reason };
    },
    up: (topology) => upNetns(topology, options),
  };
}

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
    for (const o of topology.origins) {
      const host = `origin-${hostOf.get(o.name.toLowerCase())}`;
      origins.set(o.name.toLowerCase(), await startNetnsOrigin(lab, host, o, topology.workDir));
    }
    if (topology.interception) {
      const { targets, forger, upstream } = topology.interception;
      const channel = await openForgeChannel(forger);
      closers.push(() => channel.close());
      const config: NetnsGatewayConfig = {
        port: ENGINE_PORT,
        targets: { names: [...targets.names], ...(targets.wildcard ? { wildcard: true } : {}) },
        upstream,
        forgerProfile: forger.profile,
        forgeSocket: join(channel.dir, channel.socketName),
        keylogFile: join(topology.workDir, 'engine-keys.log'),
      };
      const configFile = join(topology.workDir, 'netns-gateway.json');
      writeFileSync(configFile, JSON.stringify(config), { mode: 0o600 });
      const selection: Selection =
        options.selection === 'destinations' && !targets.wildcard
          ? { kind: 'destinations', addresses: [...targets.names].map((n) => origins.get(n.toLowerCase())?.address).filter((a): a is string => !!a) }
          : { kind: 'all' };
      if (selection.kind === 'all' || selection.addresses.length > 0) {
        await installInterception(lab, { method: 'redirect', port: ENGINE_PORT, selection });
        const engine = await startGatewayEngine(lab, {
          method: 'redirect',
          port: ENGINE_PORT,
          engineArgv: nodeTsArgv(new URL('./gateway-engine-main.ts', import.meta.url), [configFile]),
        });
        createInterface({ input: engine.stdout! }).on('line', (line) => {
          const msg = JSON.parse(line) as { type: string; event?: EngineEvent };
          if (msg.type === 'event' && msg.event) events.push(msg.event);
        });
      }
    }
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
