/**
 * Entry point run inside the gateway namespace: the engine's transparent door, with a forger that
 * asks the lab over a unix socket (the rogue key stays in the lab's process; filesystem sockets
 * cross network namespaces). Engine events (and, for captures, key log lines with their
 * connection) go to stdout as JSON lines; "sync N" on stdin is answered after all earlier lines.
 * Usage: gateway-engine-main.ts CONFIG.json
 */
import { readFileSync } from 'node:fs';
import { installLastResortGuard, reportOnStderr, startEngine } from '../../proxy/index.ts';
import type { EngineEvent, UpstreamPolicy } from '../../proxy/types.ts';
import { remoteForger } from '../containers/roles/remote-forger.ts';
import { openReportSink } from '../line-channel.ts';

export interface NetnsGatewayConfig {
  port: number;
  targets: { names: string[]; wildcard?: boolean };
  upstream: UpstreamPolicy;
  forgerProfile: string;
  forgeSocket: string;
  keylogFile?: string;
  /** report every key log line with its connection (per-cell key logs) */
  keylogLines?: boolean;
}

const config = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as NetnsGatewayConfig;
const { write } = await openReportSink();
const engine = await startEngine({
  mode: 'transparent',
  listen: { host: '0.0.0.0', port: config.port },
  targets: { names: new Set(config.targets.names), ...(config.targets.wildcard ? { wildcard: true } : {}) },
  forger: remoteForger(config.forgeSocket, config.forgerProfile),
  upstream: config.upstream,
  ...(config.keylogFile ? { keylogFile: config.keylogFile } : {}),
  ...(config.keylogLines ? { onKeylog: (conn: number, line: Buffer) => write({ type: 'keylog', conn, line: line.toString('latin1') }) } : {}),
});
engine.on('event', (event: EngineEvent) => write({ type: 'event', event }));
// an engine bug is reported (stderr and an engine-bug line) and the gateway keeps serving
installLastResortGuard((bug) => {
  reportOnStderr(bug);
  write(bug);
});
write({ type: 'listening', port: config.port });
process.on('SIGTERM', () => void engine.close().then(() => process.exit(0)));
