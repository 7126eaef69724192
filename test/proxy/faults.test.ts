import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { startEngine, type Engine } from '../../lab/proxy/index.ts';
import type { EngineEvent, EngineOptions } from '../../lab/proxy/types.ts';
import { labPki, openFds, startOrigin, type LabPki, type TestOrigin } from './fixtures.ts';
import { buildClientHello, captureNodeHello, SSLV2_HELLO } from './hello-bytes.ts';

let pki: LabPki;
let origin: TestOrigin;
let fdsBefore = 0;
const engines: Engine[] = [];

before(async () => {
  pki = await labPki();
  origin = await startOrigin(pki.pub, ['facebook.com', 'example.org']);
  fdsBefore = openFds();
});

after(async () => {
  for (const engine of engines) {
    await engine.close();
    assert.equal(engine.openSockets(), 0);
  }
  await origin.close();
  await new Promise((r) => setTimeout(r, 100));
  // the origin and engines are gone: no descriptor may be left over from what they did
  assert.ok(openFds() <= fdsBefore, `fds: ${fdsBefore} before, ${openFds()} after`);
});

async function engineFor(overrides: Partial<EngineOptions> = {}): Promise<{ engine: Engine; events: EngineEvent[] }> {
  const engine = await startEngine({
    listen: { host: '127.0.0.1', port: 0 },
    mode: 'sni',
    targets: { names: new Set(['facebook.com']) },
    forger: pki.forger,
    upstream: { verify: true, caPem: [pki.pub.root.certPem] },
    resolve: () => ({ host: origin.host, port: origin.port }),
    helloTimeoutMs: 500,
    ...overrides,
  });
  engines.push(engine);
  const events: EngineEvent[] = [];
  engine.on('event', (e) => events.push(e));
  return { engine, events };
}

/** Sends `bytes` raw, optionally half-closes, and resolves when the engine reports 'closed'. */
async function rawExchange(engine: Engine, events: EngineEvent[], bytes: Buffer, opts: { end?: boolean } = {}): Promise<EngineEvent[]> {
  const closed = new Promise<void>((resolve) => engine.once('closed', () => resolve()));
  const socket = net.connect(engine.address.port, '127.0.0.1');
  socket.on('error', () => {});
  socket.resume();
  socket.write(bytes);
  if (opts.end) socket.end();
  await closed;
  socket.destroy();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(engine.openSockets(), 0, 'no socket outlives its connection');
  return events.filter((e) => e.conn === events.at(-1)!.conn);
}

function only<T extends EngineEvent['type']>(events: EngineEvent[], type: T): Extract<EngineEvent, { type: T }> {
  const found = events.filter((e) => e.type === type);
  assert.equal(found.length, 1, `one ${type} in ${JSON.stringify(events)}`);
  return found[0] as Extract<EngineEvent, { type: T }>;
}

test('garbage instead of a ClientHello: reject not-tls, protocol failure, clean close', async () => {
  const { engine, events } = await engineFor();
  const conn = await rawExchange(engine, events, Buffer.from('GET / HTTP/1.1\r\nHost: facebook.com\r\n\r\n'));
  assert.equal(only(conn, 'decision').reason, 'not-tls');
  assert.equal(only(conn, 'handshake-failed').cause, 'protocol');
  assert.equal(conn.at(-1)?.type, 'closed');
});

test('a truncated record followed by EOF: closed before a complete ClientHello', async () => {
  const { engine, events } = await engineFor();
  const hello = await captureNodeHello('facebook.com');
  const conn = await rawExchange(engine, events, hello.subarray(0, 40), { end: true });
  const failed = only(conn, 'handshake-failed');
  assert.equal(failed.cause, 'closed');
  assert.match(failed.message, /40 bytes/);
  assert.equal(conn.some((e) => e.type === 'client-hello'), false);
});

test('a truncated record that never completes: timeout', async () => {
  const { engine, events } = await engineFor();
  const hello = await captureNodeHello('facebook.com');
  const conn = await rawExchange(engine, events, hello.subarray(0, hello.length - 1));
  assert.equal(only(conn, 'handshake-failed').cause, 'timeout');
});

test('an SSLv2-compatible hello is rejected as such', async () => {
  const { engine, events } = await engineFor();
  const conn = await rawExchange(engine, events, SSLV2_HELLO);
  assert.equal(only(conn, 'decision').reason, 'sslv2-hello');
  assert.equal(only(conn, 'handshake-failed').cause, 'protocol');
});

test('no SNI: the SNI door cannot route it (reject), the CONNECT door passes it through', async () => {
  const sniDoor = await engineFor();
  const conn = await rawExchange(sniDoor.engine, sniDoor.events, buildClientHello(undefined));
  const decision = only(conn, 'decision');
  assert.deepEqual([decision.action, decision.reason], ['reject', 'no-sni']);
  assert.equal(only(conn, 'client-hello').sni, undefined);

  const connectDoor = await engineFor({ mode: 'connect' });
  const closed = new Promise<void>((resolve) => connectDoor.engine.once('closed', () => resolve()));
  const r = await new Promise<string>((resolve, reject) => {
    const raw = net.connect(connectDoor.engine.address.port, '127.0.0.1', () => raw.write('CONNECT 127.0.0.1:443 HTTP/1.1\r\n\r\n'));
    raw.once('data', () => {
      const s = tls.connect({ socket: raw, rejectUnauthorized: false });
      s.on('secureConnect', () => {
        resolve(String(s.getPeerCertificate().subject?.CN));
        s.destroy();
      });
      s.on('error', reject);
    });
  });
  assert.equal(r, 'facebook.com', 'the origin certificate, untouched');
  await closed;
  const decision2 = connectDoor.events.find((e) => e.type === 'decision');
  assert.deepEqual(decision2 && decision2.type === 'decision' && [decision2.action, decision2.reason], ['passthrough', 'no-sni']);
});

test('a 64 KiB SNI spanning several records is parsed, reported shortened, and rejected', async () => {
  const { engine, events } = await engineFor();
  const huge = 'a'.repeat(65_000);
  const conn = await rawExchange(engine, events, buildClientHello(huge));
  assert.equal(only(conn, 'decision').reason, 'invalid-sni');
  assert.match(only(conn, 'client-hello').sni ?? '', /65000 bytes/);
});

test('a client that closes mid-handshake: handshake-failed closed, upstream leg released', async () => {
  const { engine, events } = await engineFor();
  const hello = await captureNodeHello('facebook.com');
  const closed = new Promise<void>((resolve) => engine.once('closed', () => resolve()));
  const socket = net.connect(engine.address.port, '127.0.0.1', () => socket.write(hello));
  socket.on('error', () => {});
  socket.once('data', () => socket.destroy());
  await closed;
  await new Promise((r) => setTimeout(r, 50));
  const failed = only(events, 'handshake-failed');
  assert.deepEqual([failed.side, failed.cause], ['client', 'closed']);
  assert.equal(engine.openSockets(), 0);
});

test('origin down: intercept and passthrough both report an upstream reset', async () => {
  const spare = net.createServer();
  await new Promise<void>((r) => spare.listen(0, '127.0.0.1', r));
  const deadPort = (spare.address() as net.AddressInfo).port;
  await new Promise<void>((r) => spare.close(() => r()));
  const { engine, events } = await engineFor({ resolve: () => ({ host: '127.0.0.1', port: deadPort }) });
  for (const name of ['facebook.com', 'example.org']) {
    const conn = await rawExchange(engine, events, await captureNodeHello(name));
    const failed = only(conn, 'handshake-failed');
    assert.deepEqual([failed.side, failed.cause], ['upstream', 'reset']);
    assert.match(failed.message, /ECONNREFUSED|refused/);
  }
});

test('origin reset mid-stream: the client connection ends and closed carries the error', async () => {
  const resetting = await startOrigin(pki.pub, ['facebook.com', 'example.org'], {
    handler: (_req, res) => {
      res.writeHead(200, { 'content-length': '100000' });
      res.write('x'.repeat(1000));
      // RST on the TCP socket under the TLS one (a TLSSocket cannot reset itself)
      const tcp = (res.socket as unknown as { _parent?: net.Socket })._parent;
      setTimeout(() => (tcp ? tcp.resetAndDestroy() : res.socket?.destroy()), 20);
    },
  });
  try {
    for (const httpLayer of [true, false]) {
      const { engine, events } = await engineFor({ resolve: () => ({ host: resetting.host, port: resetting.port }), httpLayer });
      const closed = new Promise<EngineEvent>((resolve) => engine.once('closed', resolve));
      const outcome = await new Promise<string>((resolve) => {
        const s = tls.connect({ host: '127.0.0.1', port: engine.address.port, servername: 'facebook.com', ca: [pki.rogue.root.certPem] }, () => {
          s.write('GET / HTTP/1.1\r\nHost: facebook.com\r\n\r\n');
        });
        s.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
        s.resume();
        s.on('close', () => resolve('closed'));
      });
      assert.ok(['closed', 'ECONNRESET'].includes(outcome), outcome);
      const end = await closed;
      assert.ok(end.type === 'closed' && /upstream|ECONNRESET/.test(end.error ?? ''), `httpLayer=${httpLayer}: ${JSON.stringify(end)}`);
      assert.ok(events.some((e) => e.type === 'plaintext-seen'));
      await new Promise((r) => setTimeout(r, 30));
      await engine.close();
      assert.equal(engine.openSockets(), 0);
    }
  } finally {
    await resetting.close();
  }
});

test('an invalid (self-signed) upstream certificate: upstream cert-rejected, client released', async () => {
  const selfSigned = await startOrigin(pki.pub, ['facebook.com'], { selfSigned: true });
  try {
    const { engine, events } = await engineFor({ resolve: () => ({ host: selfSigned.host, port: selfSigned.port }) });
    const conn = await rawExchange(engine, events, await captureNodeHello('facebook.com'));
    const failed = only(conn, 'handshake-failed');
    assert.deepEqual([failed.side, failed.cause, failed.alert], ['upstream', 'cert-rejected', 'DEPTH_ZERO_SELF_SIGNED_CERT']);
  } finally {
    await selfSigned.close();
  }
});
