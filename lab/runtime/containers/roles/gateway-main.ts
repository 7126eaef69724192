/**
 * Entry point of the gateway container: installs the transparent redirect in the container's own
 * netfilter tables (needs NET_ADMIN), then opens the engine's three doors with a forger that asks
 * the lab. Engine events go to stdout as JSON lines.
 */
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { spawnSync } from 'node:child_process';
import { startEngine } from '../../../proxy/index.ts';
import type { EngineEvent, EngineOptions, FrontDoor } from '../../../proxy/types.ts';
import { interceptionRuleset } from '../../netns/interception-rules.ts';
import { inSubnet } from '../networks.ts';
import { remoteForger } from './remote-forger.ts';
import { GATEWAY_CONFIG_PATH, type GatewayConfig, type GatewayLine } from './gateway-config.ts';

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
    resolve: (name, port) => {
      const ip = sites.get(name.toLowerCase());
      return ip ? { host: ip, port } : undefined;
    },
  };
  const doors: [FrontDoor, number][] = [
    ['transparent', config.transparentPort],
    ['sni', config.sniPort],
    ['connect', config.connectPort],
  ];
  for (const [mode, port] of doors) {
    const engine = await startEngine({ ...base, mode, listen: { host: '0.0.0.0', port } });
    engine.on('event', (event: EngineEvent) => emit({ type: 'event', event }));
  }
  emit({ type: 'listening', inside, doors: Object.fromEntries(doors) });
}

main().catch((err: unknown) => {
  emit({ type: 'error', message: (err as Error).message });
  process.exit(1);
});
