/**
 * One client connection after its front door: read the ClientHello without consuming it, ask the
 * policy, then either splice bytes to the destination untouched or impersonate it (upstream first,
 * forge from what the origin showed, terminate TLS, then relay or hand over to the HTTP layer).
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { frameClientHello, parseClientHello, type ClientHelloInfo, type HelloRejection } from './client-hello.ts';
import type { ConnectionState } from './connection.ts';
import { classifyFailure } from './failure.ts';
import { displayProtocol, isForwardableProtocol } from './hello-extensions.ts';
import { splitPem } from '../ca/pem-text.ts';
import { afterUpstreamCheck, decide } from './policy.ts';
import { relay } from './relay.ts';
import { classifyRequestStart, collect, REQUEST_TIMEOUT_RESPONSE } from './request-start.ts';
import { timeoutError, type EngineTimeouts } from './timeouts.ts';
import { describe, type UpstreamConnection, type UpstreamConnector } from './upstream.ts';
import type { UpstreamFingerprints } from './upstream-fingerprint.ts';
import type { HttpLayer } from './http-layer.ts';
import type { KeyLog } from './keylog.ts';
import type { EventInput } from './events.ts';
import type { Destination, EngineOptions } from './types.ts';

/** after the handshake, how long a silent client may take before we assume a server-speaks-first protocol */
const FIRST_BYTES_WAIT_MS = 1_500;
const CONTEXT_CACHE_LIMIT = 5_000;

export interface FrontContext {
  options: EngineOptions;
  timeouts: EngineTimeouts;
  publish(conn: number, event: EventInput): void;
  upstream: UpstreamConnector;
  fingerprints: UpstreamFingerprints;
  keylog: KeyLog;
  http: HttpLayer | undefined;
  track(socket: net.Socket): void;
  secureContexts: Map<string, tls.SecureContext>;
}

/** Where the connection goes, given its SNI; a string is a rejection reason. */
export type Locate = (sni: string | undefined) => Promise<Destination | string>;

type HelloRead =
  | { kind: 'hello'; raw: Buffer; handshake: Buffer }
  | { kind: 'invalid'; raw: Buffer; reason: HelloRejection }
  | { kind: 'ended'; raw: Buffer; err?: Error }
  | { kind: 'timeout'; raw: Buffer };

export function readHello(socket: net.Socket, initial: Buffer, timeoutMs: number): Promise<HelloRead> {
  return new Promise((resolve) => {
    let data = initial;
    let settled = false;
    const check = (): boolean => {
      const framing = frameClientHello(data);
      if (framing.state === 'need-more') return false;
      if (framing.state === 'complete') done({ kind: 'hello', raw: data, handshake: framing.handshake });
      else done({ kind: 'invalid', raw: data, reason: framing.reason });
      return true;
    };
    const onData = (chunk: Buffer) => {
      data = data.length === 0 ? chunk : Buffer.concat([data, chunk]);
      check();
    };
    const onEnd = () => done({ kind: 'ended', raw: data });
    const onError = (err: Error) => done({ kind: 'ended', raw: data, err });
    const timer = setTimeout(() => done({ kind: 'timeout', raw: data }), timeoutMs);
    function done(result: HelloRead): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.off('error', onError);
      socket.pause();
      resolve(result);
    }
    if (initial.length > 0 && check()) return;
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('close', onEnd);
    socket.on('error', onError);
    // a door that read before us (CONNECT) left the socket paused
    socket.resume();
  });
}

export async function serveTls(front: FrontContext, socket: net.Socket, state: ConnectionState, initial: Buffer, locate: Locate): Promise<void> {
  const { conn } = state;
  const publish = (event: EventInput) => front.publish(conn, event);
  const clientFailed = (cause: 'closed' | 'reset' | 'protocol' | 'timeout' | 'cert-rejected', message: string, alert?: string) => {
    publish({ type: 'handshake-failed', side: 'client', cause, message, ...(alert ? { alert } : {}) });
    if (!state.error) state.error = message;
  };

  const read = await readHello(socket, initial, front.timeouts.hello);
  if (read.kind !== 'hello') {
    if (read.kind === 'invalid') {
      publish({ type: 'decision', action: 'reject', reason: read.reason });
      clientFailed('protocol', `${read.reason}: ${read.raw.length} bytes that do not start a TLS ClientHello`);
    } else if (read.kind === 'timeout') {
      clientFailed('timeout', `${timeoutError('hello', front.timeouts.hello, 'no complete ClientHello')} (${read.raw.length} bytes)`);
    } else {
      const f = read.err ? classifyFailure(read.err) : undefined;
      clientFailed(f?.cause === 'reset' ? 'reset' : 'closed', `client went away before a complete ClientHello (${read.raw.length} bytes)${f ? `: ${f.message}` : ''}`);
    }
    socket.destroy();
    return;
  }

  let hello: ClientHelloInfo;
  try {
    hello = parseClientHello(read.handshake);
  } catch (err) {
    publish({ type: 'decision', action: 'reject', reason: 'malformed-hello' });
    clientFailed('protocol', `malformed ClientHello: ${(err as Error).message}`);
    socket.destroy();
    return;
  }
  const sniForEvents = hello.sni !== undefined && hello.sni.length > 253 ? `${hello.sni.slice(0, 64)}…(${hello.sni.length} bytes)` : hello.sni;
  publish({
    type: 'client-hello',
    ...(sniForEvents !== undefined ? { sni: sniForEvents } : {}),
    ...(hello.alpn ? { alpn: hello.alpn.map(displayProtocol) } : {}),
    ja3: hello.ja3,
    ja4: hello.ja4,
    version: hello.version,
  });

  const verdict = decide(front.options.targets, hello.sni);
  if (verdict.action === 'reject') {
    publish({ type: 'decision', action: 'reject', reason: verdict.reason, ...(sniForEvents ? { sni: sniForEvents } : {}) });
    clientFailed('protocol', `rejected: ${verdict.reason}`);
    socket.destroy();
    return;
  }
  const located = await locate(hello.sni);
  if (typeof located === 'string') {
    publish({ type: 'decision', action: 'reject', reason: located, ...(hello.sni ? { sni: hello.sni } : {}) });
    clientFailed('protocol', `rejected: ${located}`);
    socket.destroy();
    return;
  }
  const destination = located;
  const where = describe(destination);
  const sniField = hello.sni ? { sni: hello.sni } : {};

  if (verdict.action === 'passthrough') {
    publish({ type: 'decision', action: 'passthrough', reason: verdict.reason, ...sniField, destination: where });
    return passthrough(front, socket, state, read.raw, destination);
  }

  // upstream first, as the 2019 box did: fetch and judge the origin's certificate before answering
  const sni = hello.sni!;
  const alpn = upstreamAlpn(hello.alpn, front.http !== undefined);
  let up: UpstreamConnection;
  try {
    up = await front.upstream.connect({ destination, sni, conn, ...(alpn ? { alpn } : {}) });
  } catch (err) {
    publish({ type: 'decision', action: 'intercept', reason: verdict.reason, ...sniField, destination: where });
    const f = classifyFailure(err);
    publish({ type: 'handshake-failed', side: 'upstream', cause: f.cause, message: f.message, ...(f.alert ? { alert: f.alert } : {}) });
    state.error = `upstream: ${f.message}`;
    socket.destroy();
    return;
  }
  state.own(up.socket);
  if (socket.destroyed) {
    up.socket.destroy();
    clientFailed('closed', 'client went away while the engine contacted the origin');
    return;
  }
  const next = afterUpstreamCheck(front.options.upstream, up.verdict);
  if (next === 'passthrough') {
    up.socket.destroy();
    publish({ type: 'decision', action: 'passthrough', reason: 'upstream-certificate-invalid', ...sniField, destination: where });
    return passthrough(front, socket, state, read.raw, destination);
  }
  publish({ type: 'decision', action: 'intercept', reason: verdict.reason, ...sniField, destination: where });
  const fingerprint = await front.fingerprints.of(front.upstream.tlsOptions({ destination, sni, ...(alpn ? { alpn } : {}) }));
  const upstreamLocal = up.socket.localAddress ? { local: `${up.socket.localAddress.includes(':') ? `[${up.socket.localAddress}]` : up.socket.localAddress}:${up.socket.localPort}` } : {};
  publish({ type: 'upstream-hello', destination: where, ...upstreamLocal, ...(fingerprint ? { ja3: fingerprint.ja3, ja4: fingerprint.ja4 } : {}) });
  if (next === 'refuse') {
    up.socket.destroy();
    publish({ type: 'handshake-failed', side: 'upstream', cause: 'cert-rejected', alert: up.verdict.error ?? 'unverified', message: `origin ${where} presented a certificate the engine does not accept for ${sni}: ${up.verdict.error}` });
    state.error = `upstream certificate rejected: ${up.verdict.error}`;
    socket.destroy();
    return;
  }

  let secureContext: tls.SecureContext;
  let chainPem: string;
  try {
    const leaf = await front.options.forger.forge({ sni, ...(up.leafDer ? { upstreamDer: up.leafDer } : {}) });
    secureContext = contextFor(front, leaf.chainPem, leaf.keyPem);
    chainPem = leaf.chainPem;
  } catch (err) {
    up.socket.destroy();
    clientFailed('protocol', `forging a leaf for ${sni} failed: ${(err as Error).message}`);
    socket.destroy();
    return;
  }
  if (socket.destroyed) {
    up.socket.destroy();
    clientFailed('closed', 'client went away while the leaf was forged');
    return;
  }
  publish({ type: 'served', forged: true, sni, chainPem: splitPem(chainPem) });
  terminate(front, socket, state, read.raw, up, secureContext, { destination, sni });
}

/**
 * What the engine offers the origin. Only printable-ASCII names are forwarded: Node re-encodes
 * names as UTF-8 (so others would change on the wire) and aborts the process on some it cannot
 * set; the hello parser has already refused empty names and lying lengths.
 */
export function upstreamAlpn(clientAlpn: readonly string[] | undefined, httpLayer: boolean): string[] | undefined {
  if (!clientAlpn || clientAlpn.length === 0) return undefined;
  // the HTTP layer speaks HTTP/1.1 on both legs; h2 clients fall back to it
  if (httpLayer && (clientAlpn.includes('http/1.1') || clientAlpn.includes('h2'))) return ['http/1.1'];
  const offered = [...new Set(clientAlpn.filter((p) => p !== 'h2' && isForwardableProtocol(p)))];
  return offered.length > 0 ? offered : undefined;
}

function contextFor(front: FrontContext, chainPem: string, keyPem: string): tls.SecureContext {
  let context = front.secureContexts.get(chainPem);
  if (!context) {
    context = tls.createSecureContext({ cert: chainPem, key: keyPem });
    if (front.secureContexts.size >= CONTEXT_CACHE_LIMIT) front.secureContexts.delete(front.secureContexts.keys().next().value!);
    front.secureContexts.set(chainPem, context);
  }
  return context;
}

function passthrough(front: FrontContext, socket: net.Socket, state: ConnectionState, raw: Buffer, destination: Destination): void {
  const publish = (event: EventInput) => front.publish(state.conn, event);
  const upstream = net.connect({ host: destination.host, port: destination.port });
  front.track(upstream);
  state.own(upstream);
  upstream.setNoDelay(true);
  const timer = setTimeout(
    () => upstream.destroy(Object.assign(new Error(timeoutError('upstream', front.timeouts.upstream, `no TCP connection to ${describe(destination)}`)), { code: 'ETIMEDOUT' })),
    front.timeouts.upstream,
  );
  const onConnectError = (err: Error) => {
    clearTimeout(timer);
    const f = classifyFailure(err);
    publish({ type: 'handshake-failed', side: 'upstream', cause: f.cause, message: `${describe(destination)}: ${f.message}` });
    state.error = `upstream: ${f.message}`;
    socket.destroy();
  };
  upstream.once('error', onConnectError);
  upstream.once('connect', () => {
    clearTimeout(timer);
    upstream.off('error', onConnectError);
    if (socket.destroyed) {
      upstream.destroy();
      return;
    }
    socket.unshift(raw);
    closeWhenIdle(socket, state, front.timeouts.idle);
    void relay(socket, upstream).then((outcome) => {
      if (outcome.error && !state.error) state.error = `${outcome.error.side}: ${classifyFailure(outcome.error.err).message}`;
    });
  });
}

function terminate(
  front: FrontContext,
  socket: net.Socket,
  state: ConnectionState,
  raw: Buffer,
  up: UpstreamConnection,
  secureContext: tls.SecureContext,
  origin: { destination: Destination; sni: string },
): void {
  const publish = (event: EventInput) => front.publish(state.conn, event);
  const negotiated = up.socket.alpnProtocol;
  socket.unshift(raw);
  const client = new tls.TLSSocket(socket, {
    isServer: true,
    secureContext,
    ...(negotiated ? { ALPNProtocols: [negotiated] } : {}),
  });
  front.track(client);
  state.own(client);
  front.keylog.attach(client, state.conn);
  let secure = false;
  const timer = setTimeout(
    () => client.destroy(Object.assign(new Error(timeoutError('clientHandshake', front.timeouts.clientHandshake, 'client did not finish the TLS handshake')), { code: 'ERR_TLS_HANDSHAKE_TIMEOUT' })),
    front.timeouts.clientHandshake,
  );
  client.on('error', (err: Error) => {
    if (secure) {
      // undici destroys the response with its own error when the origin fails mid-body, and that
      // error reaches this socket before the HTTP layer's handler can name the upstream
      const side = (err as NodeJS.ErrnoException).code?.startsWith('UND_ERR') ? 'upstream' : 'client';
      if (!state.error) state.error = `${side}: ${classifyFailure(err).message}`;
      return;
    }
    const f = classifyFailure(err);
    publish({ type: 'handshake-failed', side: 'client', cause: f.cause, message: f.message, ...(f.alert ? { alert: f.alert } : {}) });
    state.error = `client handshake: ${f.message}`;
  });
  const writtenBeforeTls = socket.bytesWritten;
  client.once('close', () => {
    clearTimeout(timer);
    if (!secure && !state.error) {
      // a Node client refusing our chain hangs up exactly like this (it verifies outside the
      // handshake and sends no alert), and so does a client that merely went away: on the wire
      // the two cannot be told apart, so the cause stays 'closed' and the message says which
      const sawCertificate = socket.bytesWritten > writtenBeforeTls;
      publish({
        type: 'handshake-failed',
        side: 'client',
        cause: 'closed',
        message: sawCertificate
          ? 'client closed without an alert after receiving the forged certificate'
          : 'client closed the connection during the TLS handshake',
      });
      state.error = 'client closed during the handshake';
    }
    if (!secure || !handedOver) up.socket.destroy();
  });
  let handedOver = false;
  client.once('secure', () => {
    clearTimeout(timer);
    secure = true;
    void afterHandshake().catch((err: Error) => {
      state.error ??= err.message;
      client.destroy();
      up.socket.destroy();
    });
  });

  async function afterHandshake(): Promise<void> {
    const first = await collect(client, Buffer.alloc(0), (bytes) => bytes.length > 0, FIRST_BYTES_WAIT_MS);
    if (first.bytes.length === 0 && first.how === 'ended') {
      // the client hung up without a byte: Node-style clients verify after the handshake and leave like this
      publish({
        type: 'handshake-failed',
        side: 'client',
        cause: 'cert-rejected',
        message: 'client closed right after the handshake without sending data (clients that verify after the handshake, e.g. Node, reject this way)',
      });
      state.error = 'client left after the handshake';
      up.socket.destroy();
      client.destroy();
      return;
    }
    let bytes = first.bytes;
    if (bytes.length > 0 && front.http && (negotiated === 'http/1.1' || !negotiated)) {
      const headStarted = Date.now();
      let start = classifyRequestStart(bytes);
      if (start === 'need-more') {
        const rest = await collect(client, bytes, (all) => classifyRequestStart(all) !== 'need-more', front.timeouts.requestHead);
        bytes = rest.bytes;
        start = classifyRequestStart(bytes);
        if (start === 'need-more') {
          up.socket.destroy();
          if (rest.how !== 'timeout') {
            state.abort(`client ended inside its HTTP request line (${bytes.length} bytes)`);
            return;
          }
          state.error ??= timeoutError('requestHead', front.timeouts.requestHead, `HTTP request line not complete (${bytes.length} bytes)`);
          if (client.writable) client.end(REQUEST_TIMEOUT_RESPONSE, () => client.destroy());
          else client.destroy();
          return;
        }
      }
      if (start === 'http') {
        client.unshift(bytes);
        handedOver = true;
        state.release(up.socket);
        front.http.adopt(client, Object.assign(state, { destination: origin.destination, sni: origin.sni }), { donated: up.socket, headStarted });
        return;
      }
    }
    if (bytes.length > 0) {
      publish({ type: 'plaintext-seen', bytes: bytes.length, ...firstLine(bytes) });
      client.unshift(bytes);
    }
    handedOver = true;
    closeWhenIdle(client, state, front.timeouts.idle);
    const outcome = await relay(client, up.socket);
    if (outcome.error && !state.error) state.error = `${outcome.error.side}: ${classifyFailure(outcome.error.err).message}`;
  }
}

/** A relayed connection that carries nothing either way for `idleMs` is closed (reads and writes both count). */
function closeWhenIdle(socket: net.Socket, state: ConnectionState, idleMs: number): void {
  socket.setTimeout(idleMs, () => state.abort(timeoutError('idle', idleMs, 'no bytes either way')));
}

function firstLine(chunk: Buffer): { requestLine?: string } {
  const text = chunk.subarray(0, 512).toString('latin1');
  const line = text.split(/\r?\n/, 1)[0] ?? '';
  return /^[\x20-\x7e]{1,256}$/.test(line) ? { requestLine: line } : {};
}
