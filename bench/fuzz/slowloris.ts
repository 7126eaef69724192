/**
 * `node --import tsx bench/fuzz/slowloris.ts [--connections 200] [--seconds 60] [--target SCRIPT]`:
 * how long the engine (its own process, default timeouts) keeps three kinds of hostile connection
 * open: a slowloris that completes its handshake, sends a request line and a header and then one
 * more header byte a second, a client silent after its handshake, and a TCP client that never sends a ClientHello.
 * Prints, for each, how many the engine closed and when (from the end of the handshake, or the
 * connect); connections still open after --seconds are counted as such.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { parseArgs } from 'node:util';
import { startBenchLab } from './bench-lab.ts';
import { TARGET_NAME } from './inputs.ts';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '60' },
    target: { type: 'string' },
  },
});
const connections = Number(values.connections);
const seconds = Number(values.seconds);
/** the classic slowloris: a request line and a header at once, then more header bytes, one a second */
const HEAD = `GET / HTTP/1.1\r\nHost: ${TARGET_NAME}\r\n`;

type Kind = 'slowloris' | 'silent after handshake' | 'no ClientHello';
interface Outcome {
  kind: Kind;
  /** ms from the start of the phase to the engine's close; undefined: still open at the end */
  closedAfterMs?: number;
}

function open(port: number, kind: Kind, until: number): Promise<Outcome> {
  return new Promise((resolve) => {
    let phaseStart = 0;
    let tick: NodeJS.Timeout | undefined;
    const raw = net.connect(port, '127.0.0.1');
    raw.on('error', () => {});
    const stop = setTimeout(() => finish(undefined), Math.max(0, until - Date.now()));
    function finish(closedAfterMs: number | undefined): void {
      clearTimeout(stop);
      clearInterval(tick);
      raw.destroy();
      resolve({ kind, ...(closedAfterMs !== undefined ? { closedAfterMs } : {}) });
    }
    raw.once('close', () => finish(phaseStart ? Date.now() - phaseStart : 0));
    if (kind === 'no ClientHello') {
      raw.once('connect', () => (phaseStart = Date.now()));
      return;
    }
    const secure = tls.connect({ socket: raw, servername: TARGET_NAME, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
    secure.on('error', () => {});
    secure.resume();
    secure.once('secureConnect', () => {
      phaseStart = Date.now();
      if (kind !== 'slowloris') return;
      secure.write(HEAD);
      tick = setInterval(() => secure.writable && secure.write('x'), 1_000);
    });
  });
}

function describe(kind: Kind, outcomes: Outcome[]): string {
  const closed = outcomes.filter((o) => o.closedAfterMs !== undefined).map((o) => o.closedAfterMs!).sort((a, b) => a - b);
  const at = (q: number) => closed[Math.min(closed.length - 1, Math.floor(q * closed.length))];
  const times = closed.length > 0 ? `, closed after ${(at(0)! / 1000).toFixed(1)} / ${(at(0.5)! / 1000).toFixed(1)} / ${(at(1)! / 1000).toFixed(1)} s (min / median / max)` : '';
  return `${kind}: ${outcomes.length} opened, ${closed.length} closed by the engine, ${outcomes.length - closed.length} still open at ${seconds} s${times}`;
}

const lab = await startBenchLab({}, values.target);
const target = await lab.launch();
try {
  const until = Date.now() + seconds * 1_000;
  const kinds: Kind[] = ['slowloris', 'silent after handshake', 'no ClientHello'];
  const results = await Promise.all(kinds.map((kind) => Promise.all(Array.from({ length: connections }, () => open(target.sniPort, kind, until)))));
  for (const [i, kind] of kinds.entries()) process.stdout.write(describe(kind, results[i]!) + '\n');
  process.stdout.write(`engine process ${target.alive() ? 'alive' : `dead (${target.exit()})`}\n`);
} finally {
  await target.stop();
  await lab.close();
}
