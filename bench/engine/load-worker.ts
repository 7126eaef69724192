/**
 * Closed-loop load from a worker thread: N connections, each looping until the deadline.
 * Modes: new-conn (a full handshake per request), keep-alive (one connection per loop).
 */
import * as tls from 'node:tls';
import { parentPort, workerData } from 'node:worker_threads';
import { openTunnel } from './connect-tunnel.ts';

export interface LoadSpec {
  mode: 'new-conn' | 'keep-alive';
  connections: number;
  durationMs: number;
  ca: string;
  servername: string;
  /** the origin; clients CONNECT to servername:this port, so peers that dial what they are told reach it */
  target: { port: number };
  /** an interceptor in front of the origin, entered by CONNECT or by dialing it with SNI */
  proxy?: { port: number; door: 'connect' | 'sni' };
}

// a stalled proxy must cost a failed request, not the bench's time bound
const REQUEST_TIMEOUT_MS = 10_000;

const spec = workerData as LoadSpec;
// the port belongs in Host: squid sends a bumped request where Host says, not where CONNECT said
const REQUEST = Buffer.from(`GET / HTTP/1.1\r\nHost: ${spec.servername}:${spec.target.port}\r\n\r\n`);

async function open(): Promise<tls.TLSSocket> {
  const { proxy } = spec;
  const socket = proxy?.door === 'connect' ? await openTunnel({ proxyPort: proxy.port, authority: `${spec.servername}:${spec.target.port}` }) : undefined;
  const port = proxy?.door === 'sni' ? proxy.port : spec.target.port;
  return new Promise((resolve, reject) => {
    const s = tls.connect({ ...(socket ? { socket } : { host: '127.0.0.1', port }), servername: spec.servername, ca: spec.ca, minVersion: 'TLSv1.3' });
    s.setTimeout(REQUEST_TIMEOUT_MS, () => s.destroy(new Error('handshake timed out')));
    s.once('secureConnect', () => {
      s.setTimeout(0);
      resolve(s);
    });
    s.once('error', reject);
  });
}

/**
 * One request on `s`, resolving when the 1 KiB body has arrived, with whether the server said it
 * will close (http-mitm-proxy's default answers every request so: keep-alive then reconnects,
 * as the reference's client did).
 */
function request(s: tls.TLSSocket): Promise<{ serverCloses: boolean }> {
  return new Promise((resolve, reject) => {
    let got = 0;
    let serverCloses = false;
    let headerEnd = -1;
    let buf = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      if (headerEnd < 0) {
        buf = Buffer.concat([buf, d]);
        headerEnd = buf.indexOf('\r\n\r\n');
        if (headerEnd < 0) return;
        serverCloses = /\r\nconnection: *close/i.test(buf.subarray(0, headerEnd).toString('latin1'));
        got = buf.length - headerEnd - 4;
      } else got += d.length;
      if (got >= 1024) {
        clearTimeout(timer);
        s.off('data', onData);
        s.off('error', fail);
        s.off('close', onClose);
        resolve({ serverCloses });
      }
    };
    const fail = (error: Error) => {
      clearTimeout(timer);
      reject(error);
    };
    // a peer that closes after each response (http-mitm-proxy's default) must not leave this pending
    const onClose = () => fail(new Error('closed before the body arrived'));
    const timer = setTimeout(() => s.destroy(new Error('request timed out')), REQUEST_TIMEOUT_MS);
    s.on('data', onData);
    s.once('error', fail);
    s.once('close', onClose);
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
      const { serverCloses } = await request(s);
      ok++;
      if (spec.mode === 'new-conn' || serverCloses) {
        s.destroy();
        kept = undefined;
      }
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
