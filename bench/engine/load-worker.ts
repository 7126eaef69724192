/**
 * Closed-loop load from a worker thread: N connections, each looping until the deadline.
 * Modes: new-conn (a full handshake per request), keep-alive (one connection per loop).
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { parentPort, workerData } from 'node:worker_threads';

export interface LoadSpec {
  mode: 'new-conn' | 'keep-alive';
  connections: number;
  durationMs: number;
  ca: string;
  servername: string;
  /** direct: the origin; else a CONNECT proxy in front of it */
  target: { port: number };
  proxy?: { port: number };
}

const spec = workerData as LoadSpec;
const REQUEST = Buffer.from(`GET / HTTP/1.1\r\nHost: ${spec.servername}\r\n\r\n`);

function open(): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const withSocket = (socket?: net.Socket) => {
      const s = tls.connect({ ...(socket ? { socket } : { host: '127.0.0.1', port: spec.target.port }), servername: spec.servername, ca: spec.ca, minVersion: 'TLSv1.3' });
      s.once('secureConnect', () => resolve(s));
      s.once('error', reject);
    };
    if (!spec.proxy) return withSocket();
    const raw = net.connect(spec.proxy.port, '127.0.0.1', () => raw.write(`CONNECT ${spec.servername}:443 HTTP/1.1\r\n\r\n`));
    raw.once('error', reject);
    raw.once('data', (d: Buffer) => (d.toString('latin1').startsWith('HTTP/1.1 200') ? withSocket(raw) : reject(new Error('CONNECT refused'))));
  });
}

/** One request on `s`, resolving when the 1 KiB body has arrived. */
function request(s: tls.TLSSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    let got = 0;
    let headerEnd = -1;
    let buf = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      if (headerEnd < 0) {
        buf = Buffer.concat([buf, d]);
        headerEnd = buf.indexOf('\r\n\r\n');
        if (headerEnd < 0) return;
        got = buf.length - headerEnd - 4;
      } else got += d.length;
      if (got >= 1024) {
        s.off('data', onData);
        s.off('error', reject);
        resolve();
      }
    };
    s.on('data', onData);
    s.once('error', reject);
    s.write(REQUEST);
  });
}

async function loop(deadline: number): Promise<{ ok: number; failed: number }> {
  let ok = 0;
  let failed = 0;
  let kept: tls.TLSSocket | undefined;
  while (Date.now() < deadline) {
    try {
      const s = spec.mode === 'keep-alive' ? (kept ??= await open()) : await open();
      await request(s);
      ok++;
      if (spec.mode === 'new-conn') s.destroy();
    } catch {
      failed++;
      kept?.destroy();
      kept = undefined;
    }
  }
  kept?.destroy();
  return { ok, failed };
}

const deadline = Date.now() + spec.durationMs;
const results = await Promise.all(Array.from({ length: spec.connections }, () => loop(deadline)));
parentPort!.postMessage({ ok: results.reduce((a, r) => a + r.ok, 0), failed: results.reduce((a, r) => a + r.failed, 0) });
