/**
 * Entry point run inside the gateway namespace: the engine's transparent door, with a forger that
 * asks the lab over a unix socket (the rogue key stays in the lab's process; filesystem sockets
 * cross network namespaces). Engine events go to stdout as JSON lines.
 * Usage: gateway-engine-main.ts CONFIG.json
 */
import { readFileSync } from 'node:fs';
import { startEngine } from '../../proxy/index.ts';
import type { EngineEvent, UpstreamPolicy } from '../../proxy/types.ts';
import { remoteForger } from '../containers/roles/remote-forger.ts';

export interface NetnsGatewayConfig {
  port: number;
  targets: { names: string[]; wildcard?: boolean };
  upstream: UpstreamPolicy;
  forgerProfile: string;
  forgeSocket: string;
  keylogFile?: string;
}

const config = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as NetnsGatewayConfig;
const engine = await startEngine({
  mode: 'transparent',
  listen: { host: '0.0.0.0', port: config.port },
  targets: { names: new Set(config.targets.names), ...(config.targets.wildcard ? { wildcard: true } : {}) },
  forger: remoteForger(config.forgeSocket, config.forgerProfile),
  upstream: config.upstream,
  ...(config.keylogFile ? { keylogFile: config.keylogFile } : {}),
});
engine.on('event', (event: EngineEvent) => process.stdout.write(JSON.stringify({ type: 'event', event }) + '\n'));
process.stdout.write(JSON.stringify({ type: 'listening', port: config.port }) + '\n');
process.on('SIGTERM', () => void engine.close().then(() => process.exit(0)));
