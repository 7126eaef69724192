/**
 * How each role's container is started: the one skeleton image, the host mounts its programs need
 * (host-mounts.ts), network, capabilities, config, readiness. Only the gateway and the routers
 * hold NET_ADMIN; clients and origins get their routes from a one-shot helper (routes.ts).
 */
import { Wait, type StartedTestContainer } from 'testcontainers';
import { fileURLToPath } from 'node:url';
import type { OriginSpec } from '../types.ts';
import type { EngineEndpoint } from './engine-api.ts';
import { nodeTsArgv } from '../../clients/node-ts-argv.ts';
import { LabContainer, jsonLines } from './lab-container.ts';
import type { LabNetwork } from './networks.ts';
import { FORGE_MOUNT, GATEWAY_CONFIG_PATH, type GatewayConfig, type GatewayLine } from './roles/gateway-config.ts';
import { boxUserMounts, clientMounts, roleMounts, type HostMount } from './host-mounts.ts';
import { agentArgv } from './client-launcher.ts';
import { readiness, RunningWaitStrategy, type Readiness } from './readiness.ts';

export const ORIGIN_PORT = 443;
const ORIGIN_CONFIG_PATH = '/etc/tlslab/origin.json';
const STARTUP_TIMEOUT_MS = 30_000;
const KEPT_ROLE_LINES = 50;
/** a Node role (tsx) starts in ~1 s idle; several at once on two loaded cores take many times that */
const READY_TIMEOUT_MS = 60_000;
/** Chromium and Firefox share memory through /dev/shm; an engine's default 64 MB is tight for a browser */
const CLIENT_SHM_BYTES = 512 * 1024 * 1024;
const IP_FORWARDING = { 'net.ipv4.ip_forward': '1' };

const ORIGIN_MAIN = fileURLToPath(new URL('../netns/origin-main.ts', import.meta.url));
const GATEWAY_MAIN = fileURLToPath(new URL('./roles/gateway-main.ts', import.meta.url));

export interface RoleContext {
  runId: string;
  labels: Record<string, string>;
  image: string;
}

/** Where an origin container finds the lab's report socket (a bind mount of the reports dir). */
const REPORTS_MOUNT = '/run/tlslab-reports';

function binds(mounts: readonly HostMount[]): { source: string; target: string; mode: 'ro' | 'rw' }[] {
  return mounts.map((m) => ({ source: m.source, target: m.target, mode: m.mode }));
}

function readinessOf(what: string, said: () => string): Readiness {
  return readiness(what, READY_TIMEOUT_MS, said);
}

/** a log consumer that also hears the log end (the container stopped) */
function endsWith(consume: (stream: NodeJS.ReadableStream) => void, onEnd: () => void): (stream: NodeJS.ReadableStream) => void {
  return (stream) => {
    consume(stream);
    stream.once('end', onEnd);
  };
}

function idleCommand(readyLine: string): string[] {
  return ['/bin/sh', '-c', `echo ${readyLine}; exec sleep infinity`];
}

/** a role container that runs, and whether its program has come up */
export interface StartingRole {
  container: StartedTestContainer;
  readiness: Readiness;
}

/** lines a role printed that were not its JSON reports (stderr, stack traces): its last words when it fails */
function lastLines(): { keep(line: string): void; said(): string } {
  const lines: string[] = [];
  return {
    keep: (line) => {
      if (lines.push(line) > KEPT_ROLE_LINES) lines.shift();
    },
    said: () => lines.slice(-12).join(' | '),
  };
}

/**
 * One site, served by the netns runtime's origin entry point. Its visits and TLS contacts go to
 * the lab's report socket (`reportsDir`, bind-mounted), which the lab can sync with; a container
 * log arrives too late to attribute a cell by. It is ready when it says so on that socket (the
 * lab calls readiness.ready()); returns as soon as the container runs (its address is known).
 */
export async function startOriginContainer(ctx: RoleContext, network: LabNetwork, spec: OriginSpec, reportsDir: string, socketName: string): Promise<StartingRole> {
  const site = spec.name.toLowerCase();
  const config = { name: spec.name, chainPem: spec.chainPem, keyPem: spec.keyPem, host: '0.0.0.0', port: ORIGIN_PORT, reportSocket: `${REPORTS_MOUNT}/${socketName}` };
  const output = lastLines();
  const readiness = readinessOf(`the origin of ${site}`, output.said);
  const container = await new LabContainer(ctx.image)
    .withName(`tlslab-${ctx.runId}-origin-${site.replace(/[^a-z0-9.-]/g, '-')}`)
    .withNetworkMode(network.name)
    .withLabels({ ...ctx.labels, 'tlslab.role': 'origin', 'tlslab.site': site })
    .withBindMounts([...binds(roleMounts()), { source: reportsDir, target: REPORTS_MOUNT, mode: 'rw' }])
    .withCopyContentToContainer([{ content: JSON.stringify(config), target: ORIGIN_CONFIG_PATH }])
    .withEntrypoint(nodeTsArgv(ORIGIN_MAIN, [ORIGIN_CONFIG_PATH]))
    .withLogConsumer(endsWith(jsonLines(() => undefined, output.keep), () => readiness.failed('its container stopped')))
    .withWaitStrategy(new RunningWaitStrategy())
    .start();
  return { container, readiness };
}

/** dnsmasq answering exactly the scenario's names with their origins' addresses. */
export function startDnsContainer(ctx: RoleContext, network: LabNetwork, sites: Map<string, string>): Promise<StartedTestContainer> {
  return new LabContainer(ctx.image)
    .withName(`tlslab-${ctx.runId}-dns`)
    .withNetworkMode(network.name)
    .withLabels({ ...ctx.labels, 'tlslab.role': 'dns' })
    .withBindMounts(binds(roleMounts()))
    .withEntrypoint(['dnsmasq', '--keep-in-foreground', '--no-resolv', '--no-hosts', '--log-facility=-', '--user=root', '--group=root', ...[...sites].map(([site, ip]) => `--address=/${site}/${ip}`)])
    .withWaitStrategy(Wait.forLogMessage(/started, version/))
    .withStartupTimeout(STARTUP_TIMEOUT_MS)
    .start();
}

export interface GatewayStart {
  endpoint: EngineEndpoint;
  inside: LabNetwork;
  outside: LabNetwork;
  forgeDir: string;
  config: GatewayConfig;
  /** a host dir mounted read-write at the same path (a foreign box's files and its agent's socket); with it the host's user database */
  boxDir?: string;
}

/** the gateway running, and once it listens, the name of its interface facing the clients */
export interface StartingGateway extends StartingRole {
  inside: Promise<string>;
}

/** The box: forwards between its networks (IP forwarding in its own namespace) and intercepts with nft + the engine; ready when it logs that it listens. */
export async function startGatewayContainer(ctx: RoleContext, g: GatewayStart): Promise<StartingGateway> {
  const output = lastLines();
  const readiness = readinessOf('the gateway', output.said);
  let insideNamed!: (name: string) => void;
  const inside = new Promise<string>((resolve) => (insideNamed = resolve));
  const container = await new LabContainer(ctx.image)
    .withName(`tlslab-${ctx.runId}-gateway`)
    .withNetworkMode(g.inside.name)
    .withExtraNetworks(g.endpoint, [g.outside])
    .withLabels({ ...ctx.labels, 'tlslab.role': 'gateway' })
    .withAddedCapabilities('NET_ADMIN')
    .withSysctls(IP_FORWARDING)
    .withBindMounts([
      ...binds(roleMounts()),
      { source: g.forgeDir, target: FORGE_MOUNT, mode: 'rw' },
      ...(g.boxDir ? [{ source: g.boxDir, target: g.boxDir, mode: 'rw' as const }, ...binds(boxUserMounts())] : []),
    ])
    .withCopyContentToContainer([{ content: JSON.stringify(g.config), target: GATEWAY_CONFIG_PATH }])
    .withEntrypoint(nodeTsArgv(GATEWAY_MAIN, [GATEWAY_CONFIG_PATH]))
    .withLogConsumer(
      endsWith(
        jsonLines((line) => {
          const l = line as GatewayLine;
          if (l.type === 'listening') {
            insideNamed(l.inside);
            readiness.ready();
          }
          else if (l.type === 'error') readiness.failed(l.message);
        }, output.keep),
        () => readiness.failed('its container stopped'),
      ),
    )
    .withWaitStrategy(new RunningWaitStrategy())
    .start();
  return { container, readiness, inside };
}

/** A hop between two networks that decrements TTL and nothing else (its routes come later, routes.ts). */
export function startRouterContainer(ctx: RoleContext, name: string, endpoint: EngineEndpoint, near: LabNetwork, far: LabNetwork): Promise<StartedTestContainer> {
  return new LabContainer(ctx.image)
    .withName(`tlslab-${ctx.runId}-${name}`)
    .withNetworkMode(near.name)
    .withExtraNetworks(endpoint, [far])
    .withLabels({ ...ctx.labels, 'tlslab.role': 'router' })
    .withAddedCapabilities('NET_ADMIN')
    .withSysctls(IP_FORWARDING)
    .withBindMounts(binds(roleMounts()))
    .withEntrypoint(idleCommand('tlslab-router ready'))
    .withWaitStrategy(Wait.forLogMessage('tlslab-router ready'))
    .withStartupTimeout(STARTUP_TIMEOUT_MS)
    .start();
}

/**
 * One lane's client container: its main process is the agent that starts the lane's clients in it
 * (client-launcher.ts); resolves names with the lab DNS only. No capabilities beyond the engine's
 * defaults; sees of the host only its mounts.
 */
export function startClientContainer(ctx: RoleContext, lane: number, network: LabNetwork, dnsIp: string, agentSocket: string, writable: readonly string[]): Promise<StartedTestContainer> {
  return new LabContainer(ctx.image)
    .withName(`tlslab-${ctx.runId}-client${lane}`)
    .withNetworkMode(network.name)
    .withDns([dnsIp])
    .withLabels({ ...ctx.labels, 'tlslab.role': 'client', 'tlslab.lane': String(lane) })
    .withBindMounts(binds(clientMounts(writable)))
    .withSharedMemorySize(CLIENT_SHM_BYTES)
    .withEntrypoint(agentArgv(agentSocket))
    .withWaitStrategy(Wait.forLogMessage('tlslab-client ready'))
    .withStartupTimeout(STARTUP_TIMEOUT_MS)
    .start();
}
