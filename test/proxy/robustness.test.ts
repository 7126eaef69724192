/**
 * Issue 12: nothing from the wire reaches Node or OpenSSL unchecked. The 60-byte empty-ALPN hello
 * that aborted the process, pointed cases for each check, and one fuzz input of every class, sent
 * to both doors of a running engine: each ends as handshake-failed/closed events, the engine keeps
 * serving, and a valid request through each door still succeeds.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tls from 'node:tls';
import fc from 'fast-check';
import { startEngine, type Engine } from '../../lab/proxy/index.ts';
import type { EngineEvent } from '../../lab/proxy/types.ts';
import { parseClientHello, frameClientHello } from '../../lab/proxy/client-hello.ts';
import { upstreamAlpn } from '../../lab/proxy/tls-front.ts';
import { decodeAlpn, decodeServerName, displayProtocol } from '../../lab/proxy/hello-extensions.ts';
import { parseConnectHead } from '../../lab/proxy/doors/connect.ts';
import { classifyRequestStart } from '../../lab/proxy/request-start.ts';
import { deliver, type Doors } from '../../bench/fuzz/deliver.ts';
import { alpnData, EXT, helloRecords, serverNameData, u16s, type Extension } from '../../bench/fuzz/hello-parts.ts';
import { emptyAlpnHello, INPUT_KINDS, inputArbitrary, seedsFrom, TARGET_NAME, OTHER_NAME, type FuzzInput } from '../../bench/fuzz/inputs.ts';
import { realHellos } from '../../bench/fuzz/real-hellos.ts';
import { validRequest } from '../../bench/fuzz/valid-request.ts';
import { labPki, startOrigin, type LabPki, type TestOrigin } from './fixtures.ts';

let pki: LabPki;
let origin: TestOrigin;
let engine: Engine;
let doors: Doors;
const events: EngineEvent[] = [];
/** past every timeout of the engine below */
const CLOSE_WITHIN_MS = 6_000;

before(async () => {
  pki = await labPki();
  origin = await startOrigin(pki.pub, [TARGET_NAME, OTHER_NAME]);
  engine = await startEngine({
    listen: { host: '127.0.0.1', port: 0 },
    mode: 'sni',
    targets: { names: new Set([TARGET_NAME]) },
    forger: pki.forger,
    upstream: { verify: true, caPem: [pki.pub.root.certPem] },
    resolve: () => ({ host: origin.host, port: origin.port }),
    helloTimeoutMs: 300,
    clientHandshakeTimeoutMs: 500,
    requestHeadTimeoutMs: 500,
    idleTimeoutMs: 500,
    upstreamTimeoutMs: 1_000,
    connectionTimeoutMs: 4_000,
  });
  const connectDoor = await engine.openDoor({ listen: { host: '127.0.0.1', port: 0 }, mode: 'connect' });
  doors = { sniPort: engine.address.port, connectPort: connectDoor.port };
  engine.on('event', (e) => events.push(e));
});

after(async () => {
  await engine.close();
  assert.equal(engine.openSockets(), 0);
  await origin.close();
});

/** Delivers `input` and returns the events of its connection once the engine has closed it. */
async function exchange(input: FuzzInput): Promise<EngineEvent[]> {
  const floor = Math.max(0, ...events.map((e) => e.conn));
  const closed = new Promise<EngineEvent>((resolve) => {
    const onClosed = (e: EngineEvent) => {
      if (e.conn <= floor) return;
      engine.off('closed', onClosed);
      resolve(e);
    };
    engine.on('closed', onClosed);
  });
  assert.equal(await deliver(input, doors, CLOSE_WITHIN_MS), 'closed', `${input.kind} on the ${input.door} door: the engine closed it`);
  const end = await closed;
  return events.filter((e) => e.conn === end.conn);
}

async function bothDoorsStillServe(): Promise<void> {
  const expect = `hello from ${TARGET_NAME}`;
  assert.equal(await validRequest(doors, 'sni', pki.rogue.root.certPem, expect), true, 'a valid request through the SNI door');
  assert.equal(await validRequest(doors, 'connect', pki.rogue.root.certPem, expect), true, 'a valid request through the CONNECT door');
}

const raw = (door: FuzzInput['door'], bytes: Buffer, end = true): FuzzInput => ({ kind: 'alpn', door, connect: door === 'connect' ? 'together' : 'none', tunnel: false, chunks: [bytes], end });

function hello(extensions: Extension[]): Buffer {
  return helloRecords({ recordVersion: 0x0301, version: 0x0303, random: Buffer.alloc(32, 3), sessionId: Buffer.alloc(0), suites: u16s([0xc02f, 0x1301]), compression: Buffer.from([0]), extensions }, []);
}
const sni = (name: string): Extension => ({ id: EXT.serverName, data: serverNameData([{ type: 0, name: Buffer.from(name, 'latin1') }]) });

test('the empty-ALPN hello of issue 12: refused as malformed on both doors, the engine keeps serving', { timeout: 60_000 }, async () => {
  const bytes = emptyAlpnHello();
  for (const door of ['sni', 'connect'] as const) {
    const conn = await exchange(raw(door, bytes, false));
    const decision = conn.find((e) => e.type === 'decision');
    assert.deepEqual(decision?.type === 'decision' && [decision.action, decision.reason], ['reject', 'malformed-hello'], JSON.stringify(conn));
    const failed = conn.find((e) => e.type === 'handshake-failed');
    assert.ok(failed?.type === 'handshake-failed' && failed.cause === 'protocol' && /empty ALPN protocol name/.test(failed.message), JSON.stringify(failed));
    assert.equal(conn.at(-1)?.type, 'closed');
  }
  await bothDoorsStillServe();
});

test('ALPN and SNI the upstream connection would choke on are refused, or never forwarded', { timeout: 60_000 }, async () => {
  const cases: [string, Buffer, RegExp][] = [
    ['a protocol name running past its list', hello([sni(TARGET_NAME), { id: EXT.alpn, data: Buffer.from([0, 3, 9, 0x68, 0x32]) }]), /runs past its list/],
    ['an empty ALPN list', hello([sni(TARGET_NAME), { id: EXT.alpn, data: Buffer.from([0, 0]) }]), /empty ALPN list/],
    ['two ALPN extensions', hello([sni(TARGET_NAME), { id: EXT.alpn, data: alpnData([Buffer.from('h2')]) }, { id: EXT.alpn, data: alpnData([Buffer.from('http/1.1')]) }]), /appears twice/],
    ['two SNI extensions', hello([sni(TARGET_NAME), sni(OTHER_NAME)]), /appears twice/],
    ['two host_names in one SNI list', hello([{ id: EXT.serverName, data: serverNameData([{ type: 0, name: Buffer.from(TARGET_NAME) }, { type: 0, name: Buffer.from(OTHER_NAME) }]) }]), /more \(or less\) than one host_name/],
    ['an empty host_name', hello([{ id: EXT.serverName, data: serverNameData([{ type: 0, name: Buffer.alloc(0) }]) }]), /empty server_name/],
    ['a host_name of unknown type', hello([{ id: EXT.serverName, data: serverNameData([{ type: 7, name: Buffer.from(TARGET_NAME) }]) }]), /unknown type 7/],
  ];
  // a well-formed hello with one byte more inside its handshake message, both lengths adjusted
  const whole = hello([sni(TARGET_NAME)]);
  const tailed = Buffer.concat([whole, Buffer.from([0xaa])]);
  tailed.writeUInt16BE(whole.readUInt16BE(3) + 1, 3);
  tailed.writeUIntBE(whole.readUIntBE(6, 3) + 1, 6, 3);
  cases.push(['bytes after the extensions', tailed, /1 bytes after the extensions/]);
  for (const [what, bytes, expected] of cases) {
    for (const door of ['sni', 'connect'] as const) {
      const conn = await exchange(raw(door, bytes));
      const failed = conn.find((e) => e.type === 'handshake-failed');
      assert.ok(failed?.type === 'handshake-failed' && expected.test(failed.message), `${what} (${door}): ${JSON.stringify(conn)}`);
      assert.equal(conn.some((e) => e.type === 'client-hello'), false, `${what}: no client-hello event for a malformed hello`);
    }
  }
  // names OpenSSL would accept but that are not host names: the policy refuses them
  for (const name of ['facebook.com\0.evil', 'fac\xe9book.com', '127.0.0.1', ' facebook.com']) {
    const conn = await exchange(raw('sni', hello([sni(name)])));
    const decision = conn.find((e) => e.type === 'decision');
    assert.deepEqual(decision?.type === 'decision' && [decision.action, decision.reason], ['reject', 'invalid-sni'], JSON.stringify(name));
  }
  await bothDoorsStillServe();
});

test('ALPN names that are not printable ASCII are shown as hex and never offered upstream', { timeout: 60_000 }, async () => {
  const odd = Buffer.from([0xc3, 0xa9, 0xff]);
  const handshake = frameClientHello(hello([sni(TARGET_NAME), { id: EXT.alpn, data: alpnData([odd, Buffer.from('http/1.1')]) }]));
  assert.ok(handshake.state === 'complete');
  const info = parseClientHello(handshake.handshake);
  assert.deepEqual(info.alpn?.map(displayProtocol), ['0xc3a9ff', 'http/1.1']);
  assert.deepEqual(upstreamAlpn(info.alpn, false), ['http/1.1']);
  assert.equal(upstreamAlpn([odd.toString('latin1')], false), undefined);
  assert.deepEqual(upstreamAlpn(['h2', 'spdy/3', 'spdy/3'], false), ['spdy/3']);
  assert.deepEqual(upstreamAlpn(['h2'], true), ['http/1.1']);
  assert.deepEqual(decodeAlpn(Buffer.from([0, 3, 2, 0x68, 0x32])), ['h2']);
  assert.equal(decodeServerName(Buffer.from([0, 4, 0, 0, 1, 0x61])), 'a');
  // on the wire: intercepted, the origin is reached without that name, the event shows it in hex
  const conn = await exchange(raw('sni', hello([sni(TARGET_NAME), { id: EXT.alpn, data: alpnData([odd]) }]), false));
  const seen = conn.find((e) => e.type === 'client-hello');
  assert.deepEqual(seen?.type === 'client-hello' && seen.alpn, ['0xc3a9ff']);
  const decision = conn.find((e) => e.type === 'decision');
  assert.equal(decision?.type === 'decision' && decision.action, 'intercept', JSON.stringify(conn));
  assert.ok(conn.some((e) => e.type === 'served'), `the upstream leg was set up: ${JSON.stringify(conn)}`);
});

test('CONNECT authorities that are not host names never reach the resolver or the dialler', { timeout: 60_000 }, () => {
  for (const authority of ['fa\0ce.com:443', 'fac\xe9.com:443', '-bad-.com:443', `${'a'.repeat(64)}.com:443`, '[zz::1]:443', '[1.2.3.4]:443', 'a..b:443']) {
    assert.deepEqual(parseConnectHead(`CONNECT ${authority} HTTP/1.1`), { ok: false, status: 400, reason: 'bad-connect-authority' }, JSON.stringify(authority));
  }
  assert.equal(parseConnectHead('CONNECT 10.0.0.1:443 HTTP/1.1').ok, true);
  assert.equal(parseConnectHead('CONNECT [::1]:443 HTTP/1.1').ok, true);
  assert.equal(parseConnectHead('CONNECT Face_Book.example:443 HTTP/1.1').ok, true);
});

test('one fuzz input of every class, on both doors: each ends in events, the engine keeps serving', { timeout: 60_000 }, async () => {
  const arbitrary = inputArbitrary(seedsFrom(await realHellos(TARGET_NAME, OTHER_NAME)));
  for (const kind of INPUT_KINDS) {
    const [input] = fc.sample(arbitrary.filter((i) => i.kind === kind), { numRuns: 1, seed: 12 });
    assert.ok(input, kind);
    for (const door of ['sni', 'connect'] as const) {
      // a CONNECT request sent to the SNI door is garbage there, which is worth sending too
      const connect = kind === 'connect-request' || door === 'sni' ? 'none' : input.tunnel ? 'await-200' : input.connect === 'none' ? 'together' : input.connect;
      const conn = await exchange({ ...input, door, connect });
      assert.equal(conn[0]?.type, 'accepted', `${kind} on ${door}`);
      assert.equal(conn.at(-1)?.type, 'closed', `${kind} on ${door}`);
    }
  }
  await bothDoorsStillServe();
});

test('a request line that arrives in pieces, or is long, reaches the HTTP layer (not a raw relay)', { timeout: 60_000 }, async () => {
  assert.equal(classifyRequestStart(Buffer.from('G')), 'need-more');
  assert.equal(classifyRequestStart(Buffer.from('GET /x HT')), 'need-more');
  assert.equal(classifyRequestStart(Buffer.from('GET /x HTTP/1.1\r')), 'need-more');
  assert.equal(classifyRequestStart(Buffer.from('GET /x HTTP/1.1\r\n')), 'http');
  assert.equal(classifyRequestStart(Buffer.from(`GET /${'a'.repeat(20_000)}`)), 'http', 'an endless request line is the HTTP layer’s to refuse');
  for (const other of ['GET /x HTTP/2\r\n', 'GET /x HTTQ', '\x16\x03\x01', 'SSH-2.0-OpenSSH\r\n', 'get / HTTP/1.1\r\n', 'GET  /x']) {
    assert.equal(classifyRequestStart(Buffer.from(other, 'latin1')), 'not-http', JSON.stringify(other));
  }
  const path = `/${'p'.repeat(300)}`;
  const floor = Math.max(0, ...events.map((e) => e.conn));
  const answer = await new Promise<string>((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port: doors.sniPort, servername: TARGET_NAME, ca: [pki.rogue.root.certPem], ALPNProtocols: ['http/1.1'] }, async () => {
      for (const piece of ['GE', `T ${path} HT`, `TP/1.1\r\nHost: ${TARGET_NAME}\r\nConnection: close\r\n\r\n`]) {
        await new Promise<void>((done) => s.write(piece, () => done()));
      }
    });
    let text = '';
    s.on('data', (d: Buffer) => (text += d.toString()));
    s.on('error', reject);
    s.on('close', () => resolve(text));
  });
  assert.match(answer, /^HTTP\/1\.1 200 [\s\S]*hello from facebook\.com/);
  const seen = events.find((e) => e.conn > floor && e.type === 'plaintext-seen');
  assert.ok(seen?.type === 'plaintext-seen', JSON.stringify(events.filter((e) => e.conn > floor)));
  assert.equal(seen.requestLine, `GET ${path} HTTP/1.1`);
  assert.equal(seen.host, TARGET_NAME, 'the HTTP layer read the head (a raw relay reports no Host)');
});
