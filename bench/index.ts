/**
 * `npm run bench [-- --json FILE]`: the engine against direct, a plain CONNECT relay and the peer
 * interceptors (http-mitm-proxy always; mitmdump, sslsplit, squid ssl-bump when installed), on
 * 127.0.0.1 only, TLS 1.3, 16 closed-loop connections from worker threads. Measures new-connection
 * req/s (RSA and ECDSA origin), keep-alive req/s, bulk MB/s (200 MiB), first-contact TTFB on 50
 * never-seen names, and each interceptor's peak RSS (VmHWM). About 2.5 minutes with every peer.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { Worker } from 'node:worker_threads';
import { createAuthority, saveAuthority } from '../lab/ca/index.ts';
import type { LoadSpec } from './engine/load-worker.ts';
import { openTunnel } from './engine/connect-tunnel.ts';
import { otherShare, sampleCpu } from './other-load.ts';
import { PEERS, abandonAllPeers, type Door, type Peer, type OriginKeyType, type PeerOptions, type RunningPeer } from './peers/index.ts';

const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? 4_000);
const CONNECTIONS = 16;
const WORKERS = 2;
const FIRST_CONTACT_NAMES = 50;
const FETCH_TIMEOUT_MS = 60_000;
const here = new URL('.', import.meta.url).pathname;
const children = new Set<ChildProcess>();

function startChild(script: string, args: string[]): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'engine', script), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolve({ child, port: (JSON.parse(line) as { port: number }).port });
    });
    child.once('exit', (code) => reject(new Error(`${script} exited (${code}) before listening`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 3_000).unref();
  });
}

// Signals and crashes: nothing may stay behind (peer groups, their temp dirs with CA keys, our children).
let workDir: string | undefined;
function abandonEverything(): void {
  abandonAllPeers();
  for (const child of children) child.kill('SIGKILL');
  if (workDir) rmSync(workDir, { recursive: true, force: true });
}
process.once('exit', abandonEverything);
process.once('SIGINT', () => process.exit(130));
process.once('SIGTERM', () => process.exit(143));

/** Requests per second, and the share of the machine others used meanwhile. */
async function load(spec: Omit<LoadSpec, 'connections' | 'durationMs'>): Promise<{ rate: number; others: number }> {
  const per = CONNECTIONS / WORKERS;
  const cpuBefore = sampleCpu();
  const results = await Promise.all(
    Array.from({ length: WORKERS }, () => {
      // Node 20 refuses a .ts worker entry before loaders run; bootstrap tsx from an eval'd script
      const bootstrap = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(new URL('./engine/load-worker.ts', import.meta.url).href)}); })`;
      const worker = new Worker(bootstrap, {
        eval: true,
        workerData: { ...spec, connections: per, durationMs: WINDOW_MS } satisfies LoadSpec,
      });
      return new Promise<{ ok: number; failed: number }>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
    }),
  );
  const ok = results.reduce((a, r) => a + r.ok, 0);
  const failed = results.reduce((a, r) => a + r.failed, 0);
  const others = otherShare(cpuBefore, sampleCpu());
  if (failed > ok / 10) throw new Error(`${spec.mode}: ${failed} failed requests (${ok} ok)`);
  return { rate: ok / (WINDOW_MS / 1000), others };
}

/** How a client reaches the origin for one row: straight, through CONNECT, or by dialing with SNI. */
interface Route {
  originPort: number;
  proxy?: { port: number; door: Door };
}

/** One request; resolves with [ms to the first response byte, bytes of body]. */
async function fetchOnce(route: Route, servername: string, ca: string, path: string): Promise<[number, number]> {
  const start = performance.now();
  const { proxy } = route;
  const socket = proxy?.door === 'connect' ? await openTunnel({ proxyPort: proxy.port, authority: `${servername}:${route.originPort}` }) : undefined;
  const port = proxy?.door === 'sni' ? proxy.port : route.originPort;
  return new Promise((resolve, reject) => {
    const s = tls.connect({ ...(socket ? { socket } : { host: '127.0.0.1', port }), servername, ca, minVersion: 'TLSv1.3' });
    const timer = setTimeout(() => s.destroy(new Error(`${path} on ${servername} timed out`)), FETCH_TIMEOUT_MS);
    let ttfb = 0;
    let bytes = 0;
    let expected = -1;
    let head = Buffer.alloc(0);
    s.once('secureConnect', () => s.write(`GET ${path} HTTP/1.1\r\nHost: ${servername}:${route.originPort}\r\nConnection: close\r\n\r\n`));
    s.on('data', (d: Buffer) => {
      if (ttfb === 0) ttfb = performance.now() - start;
      if (expected < 0) {
        head = Buffer.concat([head, d]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        expected = Number(/content-length: (\d+)/i.exec(head.subarray(0, end).toString())?.[1] ?? 0);
        bytes = head.length - end - 4;
      } else bytes += d.length;
      if (bytes >= expected) {
        clearTimeout(timer);
        s.destroy();
        resolve([ttfb, bytes]);
      }
    });
    s.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

const progress = (what: string) => process.stderr.write(`bench: ${what}\n`);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Row {
  newConnRsa: number;
  newConnEcdsa: number;
  keepAlive: number;
  bulkMBps: number;
  firstContactMs: number;
  peakRssMb?: number;
  /** most of the machine (%) that processes outside the bench used during one of the row's load windows */
  othersPct: number;
}

/** One table row: how to start it (nothing for direct) and which door its clients use. */
interface Subject {
  name: string;
  door: Door | 'direct';
  /** undefined when it can run; else what to print instead of numbers */
  missing?: () => string | undefined;
  start?: (options: PeerOptions) => Promise<RunningPeer>;
}

interface BenchDirs {
  pub: string;
  rogue: string;
  pubRoot: string;
  /** PEM of the lab-public root: what direct and relay clients trust */
  ca: string;
}

/** The bench's own children (relay, engine) behind the same start/stop shape as the peers. */
function ownChild(script: string, args: (options: PeerOptions) => string[], caPem: () => string): Subject['start'] {
  return async (options) => {
    const { child, port } = await startChild(script, args(options));
    return { port, pid: child.pid!, caPem: caPem(), stop: () => stop(child) };
  };
}

function peakRssMb(pid: number): number {
  try {
    return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

async function measure(subject: Subject, dirs: BenchDirs, names: string[], round: number): Promise<Row> {
  const row: Partial<Row> = {};
  let peakRss = 0;
  let others = 0;
  for (const keyType of ['rsa2048', 'ecdsa-p256'] as const satisfies readonly OriginKeyType[]) {
    const origin = await startChild('origin-main.ts', [keyType, dirs.pub, names.join(',')]);
    let proxy: RunningPeer | undefined;
    try {
      proxy = await subject.start?.({ originPort: origin.port, upstreamCaFile: dirs.pubRoot, originKeyType: keyType, hostNames: names });
      const ca = proxy?.caPem ?? dirs.ca;
      const route: Route = { originPort: origin.port, ...(proxy && subject.door !== 'direct' ? { proxy: { port: proxy.port, door: subject.door } } : {}) };
      const base = { ca, servername: names[0]!, target: { port: origin.port }, ...(route.proxy ? { proxy: route.proxy } : {}) };
      // warm: JIT, key pools, the first forge of names[0]
      progress(`${subject.name} ${keyType}: warm-up`);
      await fetchOnce(route, names[0]!, ca, '/');
      progress(`${subject.name} ${keyType}: new connections`);
      const newConn = await load({ ...base, mode: 'new-conn' });
      others = Math.max(others, newConn.others);
      if (keyType === 'rsa2048') row.newConnRsa = newConn.rate;
      else {
        row.newConnEcdsa = newConn.rate;
        progress(`${subject.name}: keep-alive, bulk, first contact`);
        const keepAlive = await load({ ...base, mode: 'keep-alive' });
        others = Math.max(others, keepAlive.others);
        row.keepAlive = keepAlive.rate;
        const t0 = performance.now();
        const [, bytes] = await fetchOnce(route, names[0]!, ca, '/bulk');
        row.bulkMBps = bytes / 1e6 / ((performance.now() - t0) / 1000);
        const fresh = names.slice(1 + round * FIRST_CONTACT_NAMES, 1 + (round + 1) * FIRST_CONTACT_NAMES);
        const ttfbs: number[] = [];
        for (const name of fresh) ttfbs.push((await fetchOnce(route, name, ca, '/'))[0]);
        row.firstContactMs = median(ttfbs);
      }
      if (proxy) peakRss = Math.max(peakRss, peakRssMb(proxy.pid));
    } finally {
      await proxy?.stop();
      await stop(origin.child);
    }
  }
  return { ...(row as Row), othersPct: Math.round(others * 100), ...(subject.door !== 'direct' ? { peakRssMb: peakRss } : {}) };
}

interface Ratios {
  newConnRatioRsa: number;
  newConnRatioEcdsa: number;
  keepAliveRatio: number;
  bulkRatio: number;
  firstContactRatio: number;
}

const ratiosTo = (d: Row) => (r: Row): Ratios => ({
  newConnRatioRsa: r.newConnRsa / d.newConnRsa,
  newConnRatioEcdsa: r.newConnEcdsa / d.newConnEcdsa,
  keepAliveRatio: r.keepAlive / d.keepAlive,
  bulkRatio: r.bulkMBps / d.bulkMBps,
  firstContactRatio: r.firstContactMs / d.firstContactMs,
});

type Outcome = { subject: Subject; row: Row } | { subject: Subject; skipped: string };

function printTable(outcomes: Outcome[], ratios: (r: Row) => Ratios): void {
  const fmt = (n: number) => n.toFixed(n >= 100 ? 0 : n >= 10 ? 1 : 2);
  const cell = (v: number, ratio?: number) => `${fmt(v)}${ratio === undefined ? '' : ` (${ratio.toFixed(2)}x)`}`.padEnd(17);
  const out = (s: string) => process.stdout.write(s + '\n');
  out(`${'row'.padEnd(17)}${'door'.padEnd(9)}${['new-conn RSA/s', 'new-conn ECDSA/s', 'keep-alive req/s', 'bulk MB/s', 'first-contact ms'].map((h) => h.padEnd(17)).join('')}${'peak RSS MB'.padEnd(13)}others %`);
  for (const outcome of outcomes) {
    const lead = `${outcome.subject.name.padEnd(17)}${outcome.subject.door.padEnd(9)}`;
    if ('skipped' in outcome) {
      out(`${lead}${outcome.skipped}`);
      continue;
    }
    const r = outcome.row;
    const q = outcome.subject.door === 'direct' ? undefined : ratios(r);
    out(
      `${lead}${cell(r.newConnRsa, q?.newConnRatioRsa)}${cell(r.newConnEcdsa, q?.newConnRatioEcdsa)}${cell(r.keepAlive, q?.keepAliveRatio)}` +
        `${cell(r.bulkMBps, q?.bulkRatio)}${cell(r.firstContactMs, q?.firstContactRatio)}${(r.peakRssMb ? fmt(r.peakRssMb) : '-').padEnd(13)}${r.othersPct}`,
    );
  }
}

async function main(): Promise<void> {
  const startedAt = performance.now();
  const jsonAt = process.argv.indexOf('--json');
  const jsonFile = jsonAt > 0 ? process.argv[jsonAt + 1] : undefined;
  const work = (workDir = mkdtempSync(join(tmpdir(), 'tlslab-bench-')));
  const loadBefore = loadavg()[0]!;
  try {
    const [pub, rogue] = await Promise.all([createAuthority('lab-public'), createAuthority('qaznet-2019')]);
    const dirs: BenchDirs = { pub: join(work, 'pub'), rogue: join(work, 'rogue'), pubRoot: join(work, 'pub-root.pem'), ca: pub.root.certPem };
    await saveAuthority(pub, dirs.pub);
    await saveAuthority(rogue, dirs.rogue);
    writeFileSync(dirs.pubRoot, pub.root.certPem);
    const names = ['bench.lab.test', ...Array.from({ length: 2 * FIRST_CONTACT_NAMES }, (_, i) => `h${i}.lab.test`)];
    const subjects: Subject[] = [
      { name: 'direct', door: 'direct' },
      { name: 'relay', door: 'connect', start: ownChild('relay-main.ts', (o) => [String(o.originPort)], () => dirs.ca) },
      {
        name: 'engine',
        door: 'connect',
        start: ownChild('engine-main.ts', (o) => [dirs.rogue, dirs.pubRoot, String(o.originPort)], () => rogue.root.certPem),
      },
      ...PEERS,
    ];
    const outcomes: Outcome[] = [];
    for (const subject of subjects) {
      const missing = subject.missing?.();
      if (missing) {
        outcomes.push({ subject, skipped: missing });
        continue;
      }
      try {
        // direct and the interceptors use disjoint first-contact names; every interceptor is a
        // fresh process with fresh caches, so round 1's names are new to each of them
        outcomes.push({ subject, row: await measure(subject, dirs, names, subject.door === 'direct' || subject.name === 'relay' ? 0 : 1) });
      } catch (error) {
        // a peer that breaks must not cost the other rows, but the engine's numbers are the point
        if (subject.name === 'direct' || subject.name === 'engine') throw error;
        const reason = (error as Error).message.split('\n')[0]!;
        progress(`${subject.name} failed: ${(error as Error).message}`);
        outcomes.push({ subject, skipped: `failed: ${reason}` });
      }
    }
    const direct = outcomes.find((o) => o.subject.name === 'direct');
    const engine = outcomes.find((o) => o.subject.name === 'engine');
    if (!direct || !('row' in direct) || !engine || !('row' in engine)) throw new Error('direct or engine row missing');
    const ratios = ratiosTo(direct.row);
    printTable(outcomes, ratios);
    const seconds = (performance.now() - startedAt) / 1000;
    process.stdout.write(
      `window ${WINDOW_MS} ms, ${CONNECTIONS} connections, Node ${process.version}; load average before ${loadBefore.toFixed(2)}, after ${loadavg()[0]!.toFixed(2)}; wall ${seconds.toFixed(0)} s\n` +
        'door: connect = CONNECT name:port then TLS; sni = TLS straight to the listener (no CONNECT round trip); RSS = VmHWM of the row\'s main process;\n' +
        'others % = most of the machine used by processes outside the bench during one of the row\'s load windows (over ~10 the row is disturbed)\n',
    );
    for (const outcome of outcomes) {
      const settings = PEERS.find((p) => p === outcome.subject)?.settings;
      if (settings) process.stdout.write(`  ${outcome.subject.name}: ${settings}\n`);
    }
    if (jsonFile) {
      const peers = Object.fromEntries(
        outcomes
          .filter((o) => PEERS.includes(o.subject as Peer))
          .map((o) => [
            o.subject.name,
            'row' in o ? { door: o.subject.door, ...ratios(o.row), peakRssMb: o.row.peakRssMb ?? 0, absolute: o.row } : { door: o.subject.door, skipped: o.skipped },
          ]),
      );
      writeFileSync(jsonFile, JSON.stringify({ ...ratios(engine.row), peakRssMb: engine.row.peakRssMb ?? 0, peers }, null, 2) + '\n');
    }
  } finally {
    await Promise.all([...children].map(stop));
    rmSync(work, { recursive: true, force: true });
    workDir = undefined;
  }
}

await main();
