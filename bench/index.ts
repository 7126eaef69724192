/**
 * `npm run bench [-- --json FILE]`: the engine against direct and a plain CONNECT relay, on
 * 127.0.0.1 only, TLS 1.3, 16 closed-loop connections from worker threads. Measures new-connection
 * req/s (RSA and ECDSA origin), keep-alive req/s, bulk MB/s (200 MiB), first-contact TTFB on 50
 * never-seen names, and the engine's peak RSS (VmHWM). Bounded to about 2 minutes.
 * Peers (mitmdump, sslsplit, squid, http-mitm-proxy) are not wired in yet: see docs/proxy.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { Worker } from 'node:worker_threads';
import { createAuthority, saveAuthority } from '../lab/ca/index.ts';
import type { LoadSpec } from './engine/load-worker.ts';

const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? 4_000);
const CONNECTIONS = 16;
const WORKERS = 2;
const FIRST_CONTACT_NAMES = 50;
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

async function load(spec: Omit<LoadSpec, 'connections' | 'durationMs'>): Promise<number> {
  const per = CONNECTIONS / WORKERS;
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
  if (failed > ok / 10) throw new Error(`${failed} failed requests (${ok} ok)`);
  return ok / (WINDOW_MS / 1000);
}

function connectVia(proxyPort: number | undefined, originPort: number, servername: string): Promise<net.Socket | undefined> {
  if (proxyPort === undefined) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const raw = net.connect(proxyPort, '127.0.0.1', () => raw.write(`CONNECT ${servername}:443 HTTP/1.1\r\n\r\n`));
    raw.once('error', reject);
    raw.once('close', () => reject(new Error('proxy closed the CONNECT')));
    raw.once('data', () => resolve(raw));
  });
}

/** One request; resolves with [ms to the first response byte, bytes of body]. */
async function fetchOnce(originPort: number, proxyPort: number | undefined, servername: string, ca: string, path: string): Promise<[number, number]> {
  const start = performance.now();
  const socket = await connectVia(proxyPort, originPort, servername);
  return new Promise((resolve, reject) => {
    const s = tls.connect({ ...(socket ? { socket } : { host: '127.0.0.1', port: originPort }), servername, ca, minVersion: 'TLSv1.3' });
    let ttfb = 0;
    let bytes = 0;
    let expected = -1;
    let head = Buffer.alloc(0);
    s.once('secureConnect', () => s.write(`GET ${path} HTTP/1.1\r\nHost: ${servername}\r\nConnection: close\r\n\r\n`));
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
        s.destroy();
        resolve([ttfb, bytes]);
      }
    });
    s.once('error', reject);
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
}

async function measure(kind: 'direct' | 'relay' | 'engine', dirs: { pub: string; rogue: string; pubRoot: string; ca: string }, names: string[], round: number): Promise<Row> {
  const row: Partial<Row> = {};
  let peakRss = 0;
  for (const keyType of ['rsa2048', 'ecdsa-p256'] as const) {
    const origin = await startChild('origin-main.ts', [keyType, dirs.pub, names.join(',')]);
    let proxy: { child: ChildProcess; port: number } | undefined;
    if (kind === 'relay') proxy = await startChild('relay-main.ts', [String(origin.port)]);
    if (kind === 'engine') proxy = await startChild('engine-main.ts', [dirs.rogue, dirs.pubRoot, String(origin.port)]);
    const ca = kind === 'engine' ? readFileSync(join(dirs.rogue, 'ca.pem'), 'utf8') : dirs.ca;
    const base = { ca, servername: names[0]!, target: { port: origin.port }, ...(proxy ? { proxy: { port: proxy.port } } : {}) };
    try {
      // warm: JIT, key pools, the first forge of names[0]
      progress(`${kind} ${keyType}: warm-up`);
      await fetchOnce(origin.port, proxy?.port, names[0]!, ca, '/');
      progress(`${kind} ${keyType}: new connections`);
      const rate = await load({ ...base, mode: 'new-conn' });
      if (keyType === 'rsa2048') row.newConnRsa = rate;
      else {
        row.newConnEcdsa = rate;
        progress(`${kind}: keep-alive, bulk, first contact`);
        row.keepAlive = await load({ ...base, mode: 'keep-alive' });
        const t0 = performance.now();
        const [, bytes] = await fetchOnce(origin.port, proxy?.port, names[0]!, ca, '/bulk');
        row.bulkMBps = bytes / 1e6 / ((performance.now() - t0) / 1000);
        const fresh = names.slice(1 + round * FIRST_CONTACT_NAMES, 1 + (round + 1) * FIRST_CONTACT_NAMES);
        const ttfbs: number[] = [];
        for (const name of fresh) ttfbs.push((await fetchOnce(origin.port, proxy?.port, name, ca, '/'))[0]);
        row.firstContactMs = median(ttfbs);
      }
      if (proxy) {
        const status = readFileSync(`/proc/${proxy.child.pid}/status`, 'utf8');
        peakRss = Math.max(peakRss, Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024);
      }
    } finally {
      if (proxy) await stop(proxy.child);
      await stop(origin.child);
    }
  }
  return { ...(row as Row), ...(kind !== 'direct' ? { peakRssMb: peakRss } : {}) };
}

async function main(): Promise<void> {
  const jsonAt = process.argv.indexOf('--json');
  const jsonFile = jsonAt > 0 ? process.argv[jsonAt + 1] : undefined;
  const work = mkdtempSync(join(tmpdir(), 'tlslab-bench-'));
  try {
    const [pub, rogue] = await Promise.all([createAuthority('lab-public'), createAuthority('qaznet-2019')]);
    const dirs = { pub: join(work, 'pub'), rogue: join(work, 'rogue'), pubRoot: join(work, 'pub-root.pem'), ca: pub.root.certPem };
    await saveAuthority(pub, dirs.pub);
    await saveAuthority(rogue, dirs.rogue);
    writeFileSync(dirs.pubRoot, pub.root.certPem);
    const names = ['bench.lab.test', ...Array.from({ length: 2 * FIRST_CONTACT_NAMES }, (_, i) => `h${i}.lab.test`)];
    const rows: Record<string, Row> = {};
    // direct and engine use disjoint first-contact names, so each sees them for the first time
    rows.direct = await measure('direct', dirs, names, 0);
    rows.relay = await measure('relay', dirs, names, 0);
    rows.engine = await measure('engine', dirs, names, 1);
    const d = rows.direct;
    const ratios = (r: Row) => ({
      newConnRatioRsa: r.newConnRsa / d.newConnRsa,
      newConnRatioEcdsa: r.newConnEcdsa / d.newConnEcdsa,
      keepAliveRatio: r.keepAlive / d.keepAlive,
      bulkRatio: r.bulkMBps / d.bulkMBps,
      firstContactRatio: r.firstContactMs / d.firstContactMs,
    });
    const fmt = (n: number) => n.toFixed(n >= 100 ? 0 : 2);
    process.stdout.write('row      new-conn RSA   new-conn ECDSA   keep-alive     bulk MB/s     first-contact ms   peak RSS MB\n');
    for (const [name, r] of Object.entries(rows)) {
      const q = name === 'direct' ? undefined : ratios(r);
      const cell = (v: number, ratio?: number) => `${fmt(v)}${ratio === undefined ? '' : ` (${ratio.toFixed(2)}x)`}`.padEnd(15);
      process.stdout.write(
        `${name.padEnd(9)}${cell(r.newConnRsa, q?.newConnRatioRsa)}${cell(r.newConnEcdsa, q?.newConnRatioEcdsa)}  ${cell(r.keepAlive, q?.keepAliveRatio)}${cell(r.bulkMBps, q?.bulkRatio)}${cell(r.firstContactMs, q?.firstContactRatio)}    ${r.peakRssMb ? fmt(r.peakRssMb) : '-'}\n`,
      );
    }
    if (jsonFile) {
      writeFileSync(jsonFile, JSON.stringify({ ...ratios(rows.engine!), peakRssMb: rows.engine!.peakRssMb ?? 0 }, null, 2) + '\n');
    }
  } finally {
    await Promise.all([...children].map(stop));
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
