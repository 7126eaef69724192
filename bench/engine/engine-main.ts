/**
 * Bench subject (child process): the engine's CONNECT door, every name intercepted, modern
 * (ECDSA P-256) leaves, upstream verified against the lab-public root. Prints its port.
 * Usage: engine-main.ts ROGUE_DIR LABPUBLIC_ROOT_PEM_FILE ORIGIN_PORT
 */
import { readFileSync } from 'node:fs';
import { loadAuthority, createForger } from '../../lab/ca/index.ts';
import { startEngine } from '../../lab/proxy/index.ts';

const [rogueDir, publicRoot, originPort] = process.argv.slice(2) as [string, string, string];
const forger = await createForger(await loadAuthority(rogueDir), 'modern');
await forger.warm();
const engine = await startEngine({
  listen: { host: '127.0.0.1', port: 0 },
  mode: 'connect',
  targets: { names: new Set(), wildcard: true },
  forger,
  upstream: { verify: true, caPem: [readFileSync(publicRoot, 'utf8')] },
  resolve: () => ({ host: '127.0.0.1', port: Number(originPort) }),
});
process.stdout.write(JSON.stringify({ port: engine.address.port }) + '\n');
process.on('SIGTERM', () => void engine.close().then(() => process.exit(0)));
