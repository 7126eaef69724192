/**
 * The engine's own ClientHello toward origins (a detector's view of the box, docs/campaigns.md
 * §7.3). Node's hello depends only on the connect options, so it is captured once per option set
 * through a loopback tap instead of on every connection: the hot path stays native.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { frameClientHello, parseClientHello } from './client-hello.ts';

export interface HelloFingerprint {
  ja3: string;
  ja4: string;
  version: string;
}

const TAP_TIMEOUT_MS = 3_000;
/** option sets differ only by the client's ALPN offer; a client inventing lists must not grow this without end */
const CACHE_LIMIT = 64;

export class UpstreamFingerprints {
  private readonly cache = new Map<string, Promise<HelloFingerprint | undefined>>();

  /** `options` as given to tls.connect, minus host/port; the tap replaces the destination. */
  of(options: tls.ConnectionOptions): Promise<HelloFingerprint | undefined> {
    const key = `${options.servername ? 'sni' : 'nosni'}|${(options.ALPNProtocols as string[] | undefined)?.join(',') ?? ''}`;
    let pending = this.cache.get(key);
    if (!pending) {
      pending = captureHello(options);
      if (this.cache.size >= CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, pending);
    }
    return pending;
  }
}

function captureHello(options: tls.ConnectionOptions): Promise<HelloFingerprint | undefined> {
  return new Promise((resolve) => {
    let settled = false;
    const sockets = new Set<net.Socket>();
    const tap = net.createServer((socket) => {
      sockets.add(socket);
      let data = Buffer.alloc(0);
      socket.on('error', () => {});
      socket.on('data', (chunk: Buffer) => {
        data = Buffer.concat([data, chunk]);
        const framing = frameClientHello(data);
        if (framing.state === 'need-more') return;
        if (framing.state === 'complete') {
          try {
            const hello = parseClientHello(framing.handshake);
            finish({ ja3: hello.ja3, ja4: hello.ja4, version: hello.version });
            return;
          } catch {
            // fall through: unparseable, report nothing
          }
        }
        finish(undefined);
      });
    });
    const timer = setTimeout(() => finish(undefined), TAP_TIMEOUT_MS);
    timer.unref();
    function finish(result: HelloFingerprint | undefined): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      for (const s of sockets) s.destroy();
      client?.destroy();
      tap.close();
      resolve(result);
    }
    let client: tls.TLSSocket | undefined;
    tap.on('error', () => finish(undefined));
    tap.listen(0, '127.0.0.1', () => {
      const { port } = tap.address() as net.AddressInfo;
      const { host: _h, port: _p, session: _s, ...rest } = options;
      try {
        client = tls.connect({ ...rest, host: '127.0.0.1', port, rejectUnauthorized: false });
      } catch {
        finish(undefined);
        return;
      }
      client.on('error', () => {});
    });
  });
}
