/**
 * Every phase of a connection is bounded (issue 12): a slowloris is closed at the head timeout, a
 * silent or kept-alive client at the idle timeout, a trickling one at the connection timeout, and
 * each ends with an event that names the phase. Elapsed times, measured by the client, must be
 * near the limit from below (a timer never fires early) and within room for a loaded machine above.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { DEFAULT_TIMEOUTS, resolveTimeouts, startEngine, type Engine } from '../../lab/proxy/index.ts';
import type { EngineEvent, EngineOptions } from '../../lab/proxy/types.ts';
import { parseTimeoutMs } from '../../harness/commands/proxy.ts';
import { UserError } from '../../lab/errors.ts';
import { startSilentServer } from '../clients/lab.ts';
import { captureNodeHello } from './hello-bytes.ts';
import { labPki, startOrigin, type LabPki, type TestOrigin } from './fixtures.ts';

let pki: LabPki;
let origin: TestOrigin;
let silent: Awaited<ReturnType<typeof startSilentServer>>;
const engines: Engine[] = [];
/** how late a timeout may be on a busy two-core machine */
const SLACK_MS = 2_500;

before(async () => {
  pki = await labPki();
  origin = await startOrigin(pki.pub, ['facebook.com', 'example.org']);
  silent = await startSilentServer();
});

after(async () => {
  for (const engine of engines) {
    await engine.close();
    assert.equal(engine.openSockets(), 0);
  }
  await origin.close();
  silent.close();
});

async function engineWith(overrides: Partial<EngineOptions>): Promise<{ engine: Engine; events: EngineEvent[] }> {
  const engine = await startEngine({
    listen: { host: '127.0.0.1', port: 0 },
    mode: 'sni',
    targets: { names: new Set(['facebook.com']) },
    forger: pki.forger,
    upstream: { verify: true, caPem: [pki.pub.root.certPem] },
    resolve: () => ({ host: origin.host, port: origin.port }),
    ...overrides,
  });
  engines.push(engine);
  const events: EngineEvent[] = [];
  engine.on('event', (e) => events.push(e));
  return { engine, events };
}

function nextClosed(engine: Engine): Promise<Extract<EngineEvent, { type: 'closed' }>> {
  return new Promise((resolve) => engine.once('closed', resolve));
}

function intercepted(engine: Engine): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port: engine.address.port, servername: 'facebook.com', ca: [pki.rogue.root.certPem], ALPNProtocols: ['http/1.1'] }, () => resolve(s));
    s.once('error', reject);
  });
}

/**
 * Writes `text` one byte every `everyMs`, then keeps sending `filler`, until the socket closes or
 * `maxBytes` are out. Resolves with what the engine answered and when the first byte went out.
 */
function dribble(socket: net.Socket, text: string, filler: string, everyMs: number, maxBytes: number): Promise<{ answer: string; firstByteAt: number; closedAt: number }> {
  return new Promise((resolve) => {
    let answer = '';
    let sent = 0;
    const firstByteAt = Date.now();
    socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    socket.on('error', () => {});
    let giveUp: NodeJS.Timeout | undefined;
    const tick = setInterval(() => {
      if (sent >= maxBytes) giveUp ??= setTimeout(() => socket.destroy(), SLACK_MS);
      if (socket.destroyed || !socket.writable || sent >= maxBytes) return;
      socket.write(sent < text.length ? text[sent]! : filler);
      sent++;
    }, everyMs);
    socket.write(text[0]!);
    sent = 1;
    socket.once('close', () => {
      clearInterval(tick);
      clearTimeout(giveUp);
      resolve({ answer, firstByteAt, closedAt: Date.now() });
    });
  });
}

/** what the client measured against the engine's limit: its clock starts a hop away from the engine's */
function within(elapsed: number, limit: number, what: string): void {
  assert.ok(elapsed >= limit - 100 && elapsed < limit + SLACK_MS, `${what}: closed after ${elapsed} ms, the limit is ${limit} ms`);
}

test('defaults are documented numbers; bad values are refused', { timeout: 60_000 }, () => {
  assert.deepEqual({ ...resolveTimeouts({} as EngineOptions) }, { ...DEFAULT_TIMEOUTS });
  assert.deepEqual(DEFAULT_TIMEOUTS, { hello: 10_000, upstream: 10_000, clientHandshake: 10_000, requestHead: 10_000, idle: 30_000, connection: 600_000 });
  assert.equal(resolveTimeouts({ idleTimeoutMs: 5 } as EngineOptions).idle, 5);
  for (const bad of [0, -1, 1.5, Number.NaN, 2 ** 31]) {
    assert.throws(() => resolveTimeouts({ requestHeadTimeoutMs: bad } as EngineOptions), /requestHeadTimeoutMs must be a whole number/);
  }
  assert.equal(parseTimeoutMs('750', 'head-timeout'), 750);
  for (const bad of ['0', '-3', '1e3', 'soon', '2147483648']) assert.throws(() => parseTimeoutMs(bad, 'head-timeout'), UserError);
});

test('slowloris: a request head dribbled byte by byte is answered 408 and closed at the head timeout', { timeout: 60_000 }, async () => {
  const limit = 700;
  const { engine } = await engineWith({ requestHeadTimeoutMs: limit, idleTimeoutMs: 10_000 });
  // inside the request line (the engine is still deciding whether this is HTTP), then inside the headers
  for (const head of ['GET /slow HTTP/1.1', 'GET / HTTP/1.1\r\nHost: facebook.com\r\nX-Slow: ']) {
    const closed = nextClosed(engine);
    const socket = await intercepted(engine);
    const { answer, firstByteAt, closedAt } = await dribble(socket, head, 'a', 40, 400);
    within(closedAt - firstByteAt, limit, JSON.stringify(head));
    assert.match(answer, /^HTTP\/1\.1 408 /);
    assert.match((await closed).error ?? '', /^timeout \(requestHead\): .* within 700 ms \(requestHeadTimeoutMs\)/);
  }
});

test('the head timer restarts for every request on a kept-alive connection', { timeout: 60_000 }, async () => {
  const limit = 700;
  const { engine } = await engineWith({ requestHeadTimeoutMs: limit, idleTimeoutMs: 10_000 });
  const closed = nextClosed(engine);
  const socket = await intercepted(engine);
  const first = await new Promise<string>((resolve) => {
    let text = '';
    socket.on('data', function collect(d: Buffer) {
      text += d.toString();
      if (text.includes('hello from facebook.com')) {
        socket.off('data', collect);
        resolve(text);
      }
    });
    socket.write('GET / HTTP/1.1\r\nHost: facebook.com\r\n\r\n');
  });
  assert.match(first, /^HTTP\/1\.1 200 /);
  const { answer, firstByteAt, closedAt } = await dribble(socket, 'GET /second HTTP/1.1\r\nHost: facebook.com\r\nX: ', 'b', 40, 400);
  within(closedAt - firstByteAt, limit, 'second request head');
  assert.match(answer, /HTTP\/1\.1 408 /);
  assert.match((await closed).error ?? '', /timeout \(requestHead\)/);
});

test('idle: a kept-alive connection with no next request, and a client silent after its handshake', { timeout: 60_000 }, async () => {
  const limit = 600;
  const { engine } = await engineWith({ idleTimeoutMs: limit });
  const closed = nextClosed(engine);
  const socket = await intercepted(engine);
  const answered = await new Promise<number>((resolve) => {
    let text = '';
    socket.on('data', (d: Buffer) => {
      text += d.toString();
      if (text.includes('hello from facebook.com')) resolve(Date.now());
    });
    socket.write('GET / HTTP/1.1\r\nHost: facebook.com\r\n\r\n');
  });
  await new Promise((resolve) => socket.once('close', resolve));
  within(Date.now() - answered, limit, 'kept alive');
  assert.match((await closed).error ?? '', /^timeout \(idle\): .*idleTimeoutMs/);

  // silent after the handshake: the engine waits 1.5 s for a server-speaks-first protocol, then relays, then idles out
  const closedSilent = nextClosed(engine);
  const quiet = await intercepted(engine);
  const handshaken = Date.now();
  await new Promise((resolve) => quiet.once('close', resolve));
  within(Date.now() - handshaken, 1_500 + limit, 'silent client');
  assert.match((await closedSilent).error ?? '', /timeout \(idle\)/);
});

test('a CONNECT request that never completes: 408 and a timeout at the head timeout', { timeout: 60_000 }, async () => {
  const limit = 600;
  const { engine, events } = await engineWith({ mode: 'connect', requestHeadTimeoutMs: limit });
  const closed = nextClosed(engine);
  const socket = net.connect(engine.address.port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  const { answer, firstByteAt, closedAt } = await dribble(socket, 'CONNECT facebook.com:443 HTTP/1.1\r\nHost: facebook.com:443\r\nX: ', 'c', 40, 400);
  within(closedAt - firstByteAt, limit, 'CONNECT head');
  assert.match(answer, /^HTTP\/1\.1 408 /);
  const end = await closed;
  assert.match(end.error ?? '', /timeout \(requestHead\)/);
  const failed = events.find((e) => e.type === 'handshake-failed' && e.conn === end.conn);
  assert.equal(failed?.type === 'handshake-failed' && failed.cause, 'timeout');
});

test('a client that stops after its ClientHello: handshake-failed timeout naming the phase', { timeout: 60_000 }, async () => {
  const limit = 600;
  const { engine, events } = await engineWith({ clientHandshakeTimeoutMs: limit });
  const closed = nextClosed(engine);
  const socket = net.connect(engine.address.port, '127.0.0.1');
  socket.on('error', () => {});
  socket.resume();
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(await captureNodeHello('facebook.com'));
  const end = await closed;
  socket.destroy();
  const failed = events.find((e) => e.type === 'handshake-failed' && e.conn === end.conn);
  assert.ok(failed?.type === 'handshake-failed', JSON.stringify(events));
  assert.deepEqual([failed.side, failed.cause], ['client', 'timeout']);
  assert.match(failed.message, /timeout \(clientHandshake\).*clientHandshakeTimeoutMs/);
});

test('an origin that accepts and never answers: upstream handshake-failed timeout', { timeout: 60_000 }, async () => {
  const limit = 600;
  const { engine, events } = await engineWith({ upstreamTimeoutMs: limit, resolve: () => ({ host: '127.0.0.1', port: silent.port }) });
  const closed = nextClosed(engine);
  const socket = net.connect(engine.address.port, '127.0.0.1');
  socket.on('error', () => {});
  socket.resume();
  await new Promise((resolve) => socket.once('connect', resolve));
  const sent = Date.now();
  socket.write(await captureNodeHello('facebook.com'));
  const end = await closed;
  within(Date.now() - sent, limit, 'upstream handshake');
  const failed = events.find((e) => e.type === 'handshake-failed' && e.conn === end.conn);
  assert.ok(failed?.type === 'handshake-failed', JSON.stringify(events));
  assert.deepEqual([failed.side, failed.cause], ['upstream', 'timeout']);
  assert.match(failed.message, /timeout \(upstream\).*upstreamTimeoutMs/);
});

test('passthrough: a silent pair idles out; a trickle that defeats the idle timer meets the connection timeout', { timeout: 60_000 }, async () => {
  const { engine } = await engineWith({ idleTimeoutMs: 500, connectionTimeoutMs: 1_500, resolve: () => ({ host: '127.0.0.1', port: silent.port }) });
  const hello = await captureNodeHello('example.org');
  for (const trickle of [false, true]) {
    const closed = nextClosed(engine);
    const socket = net.connect(engine.address.port, '127.0.0.1');
    socket.on('error', () => {});
    await new Promise((resolve) => socket.once('connect', resolve));
    const start = Date.now();
    socket.write(hello);
    const tick = trickle ? setInterval(() => socket.writable && socket.write('x'), 100) : undefined;
    const end = await closed;
    clearInterval(tick);
    socket.destroy();
    if (trickle) {
      within(Date.now() - start, 1_500, 'trickle');
      assert.match(end.error ?? '', /^timeout \(connection\): .*connectionTimeoutMs/);
    } else {
      within(Date.now() - start, 500, 'silent passthrough');
      assert.match(end.error ?? '', /^timeout \(idle\)/);
    }
  }
});
