/**
 * The fuzz target (a child process, so a crash shows as a dead process and fds and RSS can be read
 * from /proc/<pid>): one engine with an SNI door and a CONNECT door, short timeouts so abandoned
 * inputs end quickly, and the last-resort guard reporting instead of exiting. Control: JSON lines
 * on stdin ({id, cmd: 'status' | 'gc'}), answers and engine-bug reports as JSON lines on stdout.
 * Exits when stdin closes.
 * Usage: target-main.ts CONFIG.json
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { createForger, loadAuthority } from '../../lab/ca/index.ts';
import { installLastResortGuard, startEngine, type EngineEvent, type EngineOptions } from '../../lab/proxy/index.ts';

export interface TargetConfig {
  rogueDir: string;
  publicRootPem: string;
  origin: { host: string; port: number };
  targetName: string;
  /** EngineOptions timeouts; absent ones keep their defaults */
  timeouts: Partial<Pick<EngineOptions, 'helloTimeoutMs' | 'upstreamTimeoutMs' | 'clientHandshakeTimeoutMs' | 'requestHeadTimeoutMs' | 'idleTimeoutMs' | 'connectionTimeoutMs'>>;
}

export type TargetLine =
  | { type: 'ready'; sniPort: number; connectPort: number; pid: number }
  | { type: 'status'; id: number; accepted: number; closed: number; openSockets: number; bugs: number; outcomes: Record<string, number> }
  | { type: 'engine-bug'; kind: string; message: string; stack?: string; count: number };

const say = (line: TargetLine) => process.stdout.write(JSON.stringify(line) + '\n');

let bugs = 0;
installLastResortGuard((bug) => {
  bugs = bug.count;
  say({ type: 'engine-bug', kind: bug.kind, message: bug.message, ...(bug.stack ? { stack: bug.stack } : {}), count: bug.count });
}, 'serve');

const config = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as TargetConfig;
const forger = await createForger(await loadAuthority(config.rogueDir), 'modern');
await forger.warm();
const engine = await startEngine({
  listen: { host: '127.0.0.1', port: 0 },
  mode: 'sni',
  targets: { names: new Set([config.targetName]) },
  forger,
  upstream: { verify: true, caPem: [config.publicRootPem] },
  resolve: () => config.origin,
  ...config.timeouts,
});
const connectDoor = await engine.openDoor({ listen: { host: '127.0.0.1', port: 0 }, mode: 'connect' });

let accepted = 0;
let closed = 0;
/** how connections ended, to show how far the inputs got: decision reasons and failure causes */
const outcomes: Record<string, number> = {};
const count = (key: string) => (outcomes[key] = (outcomes[key] ?? 0) + 1);
engine.on('event', (e: EngineEvent) => {
  if (e.type === 'accepted') accepted++;
  else if (e.type === 'closed') closed++;
  else if (e.type === 'decision') count(`decision:${e.action}:${e.reason.split(' ')[0]}`);
  else if (e.type === 'handshake-failed') count(`failed:${e.side}:${e.cause}`);
  else if (e.type === 'plaintext-seen' && e.requestLine) count('plaintext-seen');
});

createInterface({ input: process.stdin }).on('line', (line) => {
  const { id, cmd } = JSON.parse(line) as { id: number; cmd: 'status' | 'gc' };
  if (cmd === 'gc') (globalThis as { gc?: () => void }).gc?.();
  say({ type: 'status', id, accepted, closed, openSockets: engine.openSockets(), bugs, outcomes });
});
process.stdin.once('end', () => void engine.close().then(() => process.exit(0)));
say({ type: 'ready', sniPort: engine.address.port, connectPort: connectDoor.port, pid: process.pid });
