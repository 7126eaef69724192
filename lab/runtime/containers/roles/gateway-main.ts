/**
 * Entry point of the gateway container: installs the transparent redirect in the container's own
 * netfilter tables (needs NET_ADMIN), then opens the engine's doors (transparent, SNI and CONNECT,
 * and an SNI and CONNECT door per lane) with a forger that asks the lab. Engine events go to the
 * lab's report socket as JSON lines; readiness and errors to stdout (the container's log).
 */
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { spawnSync } from 'node:child_process';
import { startEngine } from '../../../proxy/index.ts';
import type { EngineEvent, EngineOptions, FrontDoor } from '../../../proxy/types.ts';
import { interceptionRuleset } from '../../netns/interception-rules.ts';
import { inSubnet } from '../networks.ts';
import { remoteForger } from './remote-forger.ts';
import { openReportSink } from '../../line-channel.ts';
import { GATEWAY_CONFIG_PATH, type GatewayConfig, type GatewayLine } from './gateway-config.ts';

const ORIGIN_PORT = 443;

/** readiness and errors go to the container's log (testcontainers waits on it) */
function emit(line: GatewayLine): void {
  process.stdout.write(JSON.stringify(line) + '\n');
}

function insideInterface(subnet: string): string {
  for (const [name, addresses] of Object.entries(networkInterfaces())) {
    if (addresses?.some((a) => a.family === 'IPv4' && inSubnet(a.address, subnet))) return name;
  }
  throw new Error(`no interface in the clients' subnet ${subnet}`);
}

async function main(): Promise<void> {
  const config = JSON.parse(readFileSync(process.argv[2] ?? GATEWAY_CONFIG_PATH, 'utf8')) as GatewayConfig;
  // events and key lines go to the lab's socket: a container log arrives too late to attribute by
  const reports = await openReportSink(config.reportSocket);
  const inside = insideInterface(config.insideSubnet);
  if (config.interceptDestinations.length > 0) {
    const rules = interceptionRuleset({
      method: 'redirect',
      port: config.transparentPort,
      inside: [inside],
      selection: { kind: 'destinations', addresses: config.interceptDestinations },
    });
    const nft = spawnSync('nft', ['-f', '-'], { input: rules, encoding: 'utf8' });
    if (nft.status !== 0) throw new Error(`nft: ${nft.stderr.trim() || `exit ${nft.status}`}`);
  }
  const sites = new Map(Object.entries(config.sites).map(([name, ip]) => [name.toLowerCase(), ip]));
  const base: Omit<EngineOptions, 'listen' | 'mode'> = {
    targets: { names: new Set(config.targets.names), ...(config.targets.wildcard ? { wildcard: true } : {}) },
    forger: remoteForger(config.forgeSocket, config.forgerProfile),
    upstream: config.upstream,
    // origins listen on 443 whichever door (and lane port) the client came in on
    resolve: (name) => {
      const ip = sites.get(name.toLowerCase());
      return ip ? { host: ip, port: ORIGIN_PORT } : undefined;
    },
  };
  const doors: [FrontDoor, number][] = [
    ['transparent', config.transparentPort],
    ['sni', config.sniPort],
    ['connect', config.connectPort],
    ...config.lanes.flatMap((lane): [FrontDoor, number][] => [
      ['sni', lane.sni],
      ['connect', lane.connect],
    ]),
  ];
  // one engine, many doors: connection ids are unique across all of them
  const [first, ...others] = doors;
  const engine = await startEngine({
    ...base,
    mode: first![0],
    listen: { host: '0.0.0.0', port: first![1] },
    ...(config.keylogLines ? { onKeylog: (conn: number, line: Buffer) => reports.write({ type: 'keylog', conn, line: line.toString('latin1') }) } : {}),
  });
  engine.on('event', (event: EngineEvent) => reports.write({ type: 'event', event }));
  for (const [mode, port] of others) await engine.openDoor({ mode, listen: { host: '0.0.0.0', port } });
  emit({ type: 'listening', inside, doors: Object.fromEntries(doors.slice(0, 3)) });
}

main().catch((err: unknown) => {
  emit({ type: 'error', message: (err as Error).message });
  process.exit(1);
});
