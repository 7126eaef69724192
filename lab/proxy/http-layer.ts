/**
 * HTTP/1.1 over intercepted connections: a node:http server (never listening) parses what the
 * client sends on the terminated socket, and each request goes upstream through an undici Pool
 * per origin, so upstream connections outlive client connections and are reused across them.
 * The connection opened to fetch the origin's certificate is handed to the pool, not wasted.
 */
import * as http from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { Pool, type Dispatcher } from 'undici';
import type { EventInput } from './events.ts';
import { describe, type UpstreamConnector } from './upstream.ts';
import { REQUEST_TIMEOUT_RESPONSE } from './request-start.ts';
import { timeoutError, type EngineTimeouts } from './timeouts.ts';
import type { Destination, UpstreamPolicy } from './types.ts';

export interface HttpConnectionContext {
  conn: number;
  destination: Destination;
  sni?: string;
  /** the first failure on this connection, reported in its 'closed' event */
  error?: string;
}

/** Headers that describe one hop, not the message (RFC 9110 §7.6.1), plus those undici refuses. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'expect', 'proxy-authorization']);

/** sockets the pool has not claimed within this time are closed (the pool may have had idle ones) */
const DONATION_TTL_MS = 5_000;
const POOL_CONNECTIONS = 64;

export interface HttpLayerOptions {
  upstream: UpstreamConnector;
  policy: UpstreamPolicy;
  publish: (conn: number, event: EventInput) => void;
  timeouts: Pick<EngineTimeouts, 'requestHead' | 'idle'>;
  injectHtml?: string;
}

export interface Adoption {
  /** a ready upstream connection for the pool */
  donated?: TLSSocket;
  /** when the first request head began (its first byte), for the head timeout */
  headStarted: number;
}

/** Requests being answered on one client connection, and the timer on the head being read. */
interface HeadWatch {
  inFlight: number;
  timer?: NodeJS.Timeout;
}

interface OriginPool {
  pool: Pool;
  donated: TLSSocket[];
}

export class HttpLayer {
  private readonly server: http.Server;
  private readonly contexts = new WeakMap<Socket, HttpConnectionContext>();
  private readonly pools = new Map<string, OriginPool>();
  private readonly heads = new WeakMap<Socket, HeadWatch>();

  constructor(private readonly options: HttpLayerOptions) {
    // Node's own headersTimeout is checked only for servers that listen; this one never does, so
    // heads are timed below. Its keep-alive timer (socket inactivity after a response) does work.
    this.server = http.createServer({ keepAliveTimeout: options.timeouts.idle }, (req, res) => this.onRequest(req, res));
    this.server.on('timeout', (socket: Socket) => {
      const ctx = this.contexts.get(socket);
      if (ctx) ctx.error ??= timeoutError('idle', options.timeouts.idle, 'no next request on a kept-alive connection');
      socket.destroy();
    });
    // a client's malformed HTTP closes its own connection, nothing more
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
      const ctx = this.contexts.get(socket);
      if (ctx && !ctx.error) ctx.error = `client HTTP error: ${err.code ?? err.message}`;
      if (socket.writable && err.code !== 'ECONNRESET') socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
  }

  /** Takes over a terminated client socket whose first request head has begun. */
  adopt(client: TLSSocket, ctx: HttpConnectionContext, adoption: Adoption): void {
    this.contexts.set(client, ctx);
    if (adoption.donated) this.donate(ctx, adoption.donated);
    this.server.emit('connection', client);
    this.timeHeads(client, ctx, adoption.headStarted);
  }

  /**
   * Each request head must be complete `requestHead` ms after its first byte (a slowloris keeps
   * sending one byte at a time, so inactivity timers never fire). Between requests the keep-alive
   * timer runs; the first byte read with no request in flight starts the next head's clock.
   */
  private timeHeads(socket: TLSSocket, ctx: HttpConnectionContext, headStarted: number): void {
    const limit = this.options.timeouts.requestHead;
    const watch: HeadWatch = { inFlight: 0 };
    const arm = (since: number) => {
      watch.timer = setTimeout(() => {
        ctx.error ??= timeoutError('requestHead', limit, 'HTTP request head not complete');
        if (socket.writable) socket.end(REQUEST_TIMEOUT_RESPONSE, () => socket.destroy());
        else socket.destroy();
      }, Math.max(0, since + limit - Date.now()));
    };
    this.heads.set(socket, watch);
    arm(headStarted);
    // runs after the server's own listener: a head completed by this chunk has already become a request
    socket.on('data', () => {
      if (watch.inFlight === 0 && watch.timer === undefined) arm(Date.now());
    });
    socket.once('close', () => clearTimeout(watch.timer));
  }

  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    for (const entry of pools) for (const s of entry.donated.splice(0)) s.destroy();
    await Promise.allSettled(pools.map((entry) => entry.pool.destroy()));
  }

  private donate(ctx: HttpConnectionContext, socket: TLSSocket): void {
    const entry = this.poolFor(ctx);
    entry.donated.push(socket);
    setTimeout(() => {
      const i = entry.donated.indexOf(socket);
      if (i >= 0) {
        entry.donated.splice(i, 1);
        socket.destroy();
      }
    }, DONATION_TTL_MS).unref();
  }

  private poolFor(ctx: HttpConnectionContext): OriginPool {
    const key = `${describe(ctx.destination)}|${ctx.sni ?? ''}`;
    let entry = this.pools.get(key);
    if (!entry) {
      const donated: TLSSocket[] = [];
      const { destination, sni } = ctx;
      const pool = new Pool(`https://${describe(destination)}`, {
        connections: POOL_CONNECTIONS,
        // an idle upstream connection lasts no longer than an idle client one (idleTimeoutMs)
        keepAliveTimeout: this.options.timeouts.idle,
        keepAliveMaxTimeout: this.options.timeouts.idle,
        connect: (_opts, callback) => {
          let socket: TLSSocket | undefined;
          while ((socket = donated.shift()) && socket.destroyed);
          // undici breaks when the connector answers synchronously (re-entrant resume)
          if (socket) return process.nextTick(callback, null, socket);
          this.options.upstream.connect({ destination, ...(sni ? { sni } : {}), alpn: ['http/1.1'] }).then(
            (up) => {
              if (this.options.policy.verify && !up.verdict.valid) {
                up.socket.destroy();
                return callback(Object.assign(new Error(`origin certificate rejected: ${up.verdict.error}`), { code: up.verdict.error }), null);
              }
              callback(null, up.socket);
            },
            (err: Error) => callback(err, null),
          );
        },
      });
      entry = { pool, donated };
      this.pools.set(key, entry);
    }
    return entry;
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const watch = this.heads.get(req.socket);
    if (watch) {
      clearTimeout(watch.timer);
      watch.timer = undefined;
      watch.inFlight++;
      res.once('close', () => watch.inFlight--);
    }
    const ctx = this.contexts.get(req.socket);
    if (!ctx) {
      res.writeHead(500).end();
      return;
    }
    const requestLine = `${req.method} ${req.url} HTTP/${req.httpVersion}`;
    let headerBytes = requestLine.length + 4;
    for (const h of req.rawHeaders) headerBytes += h.length + 2;
    const contentLength = Number(req.headers['content-length'] ?? 0) || 0;
    this.options.publish(ctx.conn, {
      type: 'plaintext-seen',
      bytes: headerBytes + contentLength,
      requestLine,
      ...(req.headers.host ? { host: req.headers.host } : {}),
    });

    const headers = forwardableHeaders(req.rawHeaders);
    const hasBody = contentLength > 0 || req.headers['transfer-encoding'] !== undefined;
    const injecting = this.options.injectHtml !== undefined;
    if (injecting) setHeader(headers, 'accept-encoding', 'identity');
    const request: Dispatcher.RequestOptions = {
      path: req.url ?? '/',
      method: (req.method ?? 'GET') as Dispatcher.HttpMethod,
      headers,
      body: hasBody ? req : null,
    };
    const { pool } = this.poolFor(ctx);
    const fail = (err: Error) => {
      if (!ctx.error) ctx.error = `upstream: ${(err as NodeJS.ErrnoException).code ?? err.message}`;
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain', connection: 'close' }).end(`bad gateway: ${err.message}\n`);
      } else {
        res.destroy(err);
      }
    };
    if (injecting) {
      this.relayInjected(pool, request, res).catch(fail);
      return;
    }
    pool
      .stream(request, ({ statusCode, headers: upstreamHeaders }) => {
        res.writeHead(statusCode, responseHeaders(upstreamHeaders));
        return res;
      })
      .catch(fail);
  }

  private async relayInjected(pool: Pool, request: Dispatcher.RequestOptions, res: http.ServerResponse): Promise<void> {
    const upstream = await pool.request(request);
    const headers = responseHeaders(upstream.headers);
    const type = String(upstream.headers['content-type'] ?? '');
    const encoded = upstream.headers['content-encoding'] !== undefined && upstream.headers['content-encoding'] !== 'identity';
    if (!/text\/html/i.test(type) || encoded) {
      res.writeHead(upstream.statusCode, headers);
      for await (const chunk of upstream.body) res.write(chunk);
      res.end();
      return;
    }
    const html = injectIntoHtml(await upstream.body.text(), this.options.injectHtml!);
    delete headers['content-length'];
    res.writeHead(upstream.statusCode, { ...headers, 'content-length': Buffer.byteLength(html) });
    res.end(html);
  }
}

/** Inserts `snippet` before the last </body>, or appends it when there is none. */
export function injectIntoHtml(html: string, snippet: string): string {
  const at = html.toLowerCase().lastIndexOf('</body>');
  return at < 0 ? html + snippet : html.slice(0, at) + snippet + html.slice(at);
}

function forwardableHeaders(raw: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (!HOP_BY_HOP.has(raw[i]!.toLowerCase())) out.push(raw[i]!, raw[i + 1]!);
  }
  return out;
}

function setHeader(flat: string[], name: string, value: string): void {
  for (let i = 0; i + 1 < flat.length; i += 2) {
    if (flat[i]!.toLowerCase() === name) {
      flat[i + 1] = value;
      return;
    }
  }
  flat.push(name, value);
}

function responseHeaders(headers: Record<string, string | string[] | undefined>): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return out;
}
