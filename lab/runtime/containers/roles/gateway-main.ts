/**
 * Entry point of the gateway container: routes back to the clients, a forward filter (clients may
 * reach the origins' :443 and nothing else), the transparent redirect of targeted origins' :443
 * flows in the container's own netfilter tables (needs NET_ADMIN), then the engine's transparent
 * and CONNECT doors with a forger that asks the lab. Engine events go to the lab's report socket
 * as JSON lines; readiness and errors to stdout (the container's log). When a box the lab did not
 * write stands in for the engine, the engine redirects nothing, and a process agent lets the lab
 * start that box here (lab/runtime/containers/gateway-box.ts).
 */
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { installLastResortGuard, startEngine } from '../../../proxy/index.ts';
import type { EngineEvent } from '../../../proxy/types.ts';
import { interceptionRuleset } from '../../netns/interception-rules.ts';
import { inSubnet } from '../networks.ts';
import { remoteForger } from './remote-forger.ts';
import { openReportSink } from '../../line-channel.ts';
import { GATEWAY_CONFIG_PATH, type GatewayConfig, type GatewayLine } from './gateway-config.ts';
import { forwardRuleset } from './gateway-rules.ts';
import { agentArgv } from '../client-launcher.ts';

const ORIGIN_PORT = 443;

/** readiness and errors go to the container's log (testcontainers waits on it) */
function emit(line: GatewayLine): void {
  process.stdout.write(JSON.stringify(line) + '\n');
}

function interfaceIn(subnet: string): string {
  for (const [name, addresses] of Object.entries(networkInterfaces())) {
    if (addresses?.some((a) => a.family === 'IPv4' && inSubnet(a.address, subnet))) return name;
  }
  throw new Error(`no interface in ${subnet}`);
}

function run(argv: string[], input?: string): void {
  const r = spawnSync(argv[0]!, argv.slice(1), { input, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr?.trim() || r.error?.message || `exit ${r.status}`}`);
}

/** the process agent a foreign box is started through; ready once it serves its socket */
async function startBoxAgent(socket: string): Promise<void> {
  const [command, ...args] = agentArgv(socket);
  const agent = spawn(command!, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  // the box starts through it: without it the gateway is no use, so its end is the gateway's
  agent.once('exit', (code, signal) => {
    emit({ type: 'error', message: `the box agent exited (${signal ?? `exit ${code}`})` });
    process.exit(1);
  });
  const lines = createInterface({ input: agent.stdout! });
  const [first] = (await once(lines, 'line')) as [string];
  if (!first.includes('ready')) throw new Error(`the box agent said ${JSON.stringify(first)}`);
}

async function main(): Promise<void> {
  const config = JSON.parse(readFileSync(process.argv[2] ?? GATEWAY_CONFIG_PATH, 'utf8')) as GatewayConfig;
  // events and key lines go to the lab's socket: a container log arrives too late to attribute by
  const reports = await openReportSink(config.reportSocket);
  const inside = interfaceIn(config.insideSubnet);
  const outside = interfaceIn(config.outsideSubnet);
  for (const route of config.routes) run(['ip', 'route', 'add', route.to, 'via', route.via]);
  run(['nft', '-f', '-'], forwardRuleset(inside, outside, ORIGIN_PORT));
  if (config.interceptDestinations.length > 0) {
    run(['nft', '-f', '-'], interceptionRuleset({
      method: 'redirect',
      port: config.transparentPort,
      inside: [inside],
      selection: { kind: 'destinations', addresses: config.interceptDestinations },
    }));
  }
  if (config.boxAgentSocket) await startBoxAgent(config.boxAgentSocket);
  const sites = new Map(Object.entries(config.sites).map(([name, ip]) => [name.toLowerCase(), ip]));
  // one engine, two doors: connection ids are unique across both
  const engine = await startEngine({
    targets: { names: new Set(config.targets.names), ...(config.targets.wildcard ? { wildcard: true } : {}) },
    forger: remoteForger(config.forgeSocket, config.forgerProfile),
    upstream: config.upstream,
    // origins listen on 443 whichever door the client came in by
    resolve: (name) => {
      const ip = sites.get(name.toLowerCase());
      return ip ? { host: ip, port: ORIGIN_PORT } : undefined;
    },
    mode: 'transparent',
    listen: { host: '0.0.0.0', port: config.transparentPort },
    ...(config.keylogLines ? { onKeylog: (conn: number, line: Buffer) => reports.write({ type: 'keylog', conn, line: line.toString('latin1') }) } : {}),
  });
  engine.on('event', (event: EngineEvent) => reports.write({ type: 'event', event }));
  // an engine bug is logged (the lab keeps error lines) and the gateway keeps serving
  installLastResortGuard((bug) => emit({ type: 'error', message: `engine bug #${bug.count} (${bug.kind}), kept serving: ${bug.stack ?? bug.message}` }));
  await engine.openDoor({ mode: 'connect', listen: { host: '0.0.0.0', port: config.connectPort } });
  emit({ type: 'listening', inside, doors: { transparent: config.transparentPort, connect: config.connectPort } });
}

main().catch((err: unknown) => {
  emit({ type: 'error', message: (err as Error).message });
  process.exit(1);
});
