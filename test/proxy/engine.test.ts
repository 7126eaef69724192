import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startEngine, type Engine } from '../../lab/proxy/index.ts';
import type { EngineEvent, EngineOptions } from '../../lab/proxy/types.ts';
import { labPki, startOrigin, run, curlIssuer, type LabPki, type TestOrigin } from './fixtures.ts';

let pki: LabPki;
let origin: TestOrigin;
const engines: Engine[] = [];

before(async () => {
  pki = await labPki();
  origin = await startOrigin(pki.pub, ['facebook.com', 'example.org', 'www.google.com']);
});
after(async () => {
  await Promise.all(engines.map((e) => e.close()));
  await origin.close();
});

async function engineFor(overrides: Partial<EngineOptions> & { to?: TestOrigin } = {}): Promise<{ engine: Engine; events: EngineEvent[] }> {
  const to = overrides.to ?? origin;
  const engine = await startEngine({
    listen: { host: '127.0.0.1', port: 0 },
    mode: 'sni',
    targets: { names: new Set(['facebook.com', 'www.google.com']) },
    forger: pki.forger,
    upstream: { verify: true, caPem: [pki.pub.root.certPem] },
    resolve: () => ({ host: to.host, port: to.port }),
    ...overrides,
  });
  engines.push(engine);
  const events: EngineEvent[] = [];
  engine.on('event', (e) => events.push(e));
  return { engine, events };
}

function curlArgs(engine: Engine, name: string, caFile: string, extra: string[] = []): string[] {
  return ['-sS', '-v', '--max-time', '8', '--cacert', caFile, '--connect-to', `${name}:443:127.0.0.1:${engine.address.port}`, ...extra, `https://${name}/`];
}

const settle = () => new Promise((r) => setTimeout(r, 150));


test('a targeted SNI is intercepted: curl sees the rogue issuer, the origin still answers, events tell the story', async () => {
  const { engine, events } = await engineFor();
  const r = await run('curl', curlArgs(engine, 'facebook.com', pki.bothRootsFile));
  assert.equal(r.code, 0, r.stderr);
  assert.match(curlIssuer(r.stderr), /Security Certificate/);
  assert.match(r.stdout, /hello from facebook\.com/);
  await settle();
  const types = events.map((e) => e.type);
  assert.deepEqual(types.filter((t) => t !== 'upstream-hello'), ['accepted', 'client-hello', 'decision', 'served', 'plaintext-seen', 'closed']);
  const accepted = events.find((e) => e.type === 'accepted');
  assert.ok(accepted?.type === 'accepted');
  assert.equal(accepted.door, 'sni');
  assert.equal(accepted.local, `127.0.0.1:${engine.address.port}`);
  assert.match(accepted.remote, /^127\.0\.0\.1:\d+$/);
  const served = events.find((e) => e.type === 'served');
  assert.ok(served?.type === 'served');
  assert.equal(served.sni, 'facebook.com');
  assert.match(new X509Certificate(served.chainPem[0]!).issuer, /Security Certificate/);
  const decision = events.find((e) => e.type === 'decision');
  assert.equal(decision?.type === 'decision' && decision.action, 'intercept');
  const seen = events.find((e) => e.type === 'plaintext-seen');
  assert.equal(seen?.type === 'plaintext-seen' && seen.requestLine, 'GET / HTTP/1.1');
  assert.equal(origin.seen.at(-1)?.host, 'facebook.com');
});

test('a non-target passes through byte-identical: openssl gets the origin certificate DER unchanged', async () => {
  const { engine, events } = await engineFor();
  const r = await run('openssl', ['s_client', '-connect', `127.0.0.1:${engine.address.port}`, '-servername', 'example.org', '-verify_return_error', '-CAfile', pki.publicRootFile, '-showcerts'], 'Q\n');
  assert.equal(r.code, 0, r.stderr);
  const leafPem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(r.stdout)?.[0];
  assert.ok(leafPem, r.stdout);
  assert.deepEqual(new X509Certificate(leafPem).raw, new X509Certificate(origin.certPem).raw);
  await settle();
  const decision = events.find((e) => e.type === 'decision');
  assert.deepEqual(decision && decision.type === 'decision' && [decision.action, decision.reason], ['passthrough', 'not-a-target']);
  assert.equal(events.some((e) => e.type === 'upstream-hello'), false);
});

test('openssl verifying against the rogue root accepts the forged chain; the served record is exactly what it was shown', async () => {
  const { engine, events } = await engineFor();
  const r = await run('openssl', ['s_client', '-connect', `127.0.0.1:${engine.address.port}`, '-servername', 'www.google.com', '-verify_return_error', '-CAfile', pki.rogueRootFile, '-showcerts'], 'Q\n');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Verify return code: 0 \(ok\)/);
  assert.match(r.stdout, /issuer=C = KZ, CN = Security Certificate/);
  await settle();
  const shown = r.stdout.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const served = events.find((e) => e.type === 'served');
  assert.ok(served?.type === 'served');
  assert.deepEqual(served.chainPem.map((pem) => new X509Certificate(pem).fingerprint256), shown.map((pem) => new X509Certificate(pem).fingerprint256));
});

test('a client that does not trust the rogue CA yields handshake-failed cert-rejected (curl: unknown_ca alert)', async () => {
  const { engine, events } = await engineFor();
  const r = await run('curl', curlArgs(engine, 'facebook.com', pki.publicRootFile));
  assert.equal(r.code, 60, r.stderr);
  await settle();
  const failed = events.find((e) => e.type === 'handshake-failed');
  assert.ok(failed && failed.type === 'handshake-failed', JSON.stringify(events));
  assert.equal(failed.side, 'client');
  assert.equal(failed.cause, 'cert-rejected');
  assert.equal(failed.alert, 'unknown_ca');
  assert.equal(events.at(-1)?.type, 'closed');
});

test('a Node client rejecting the forged leaf hangs up without an alert: closed, after the forged certificate', async () => {
  const { engine, events } = await engineFor();
  const err = await new Promise<Error>((resolve) => {
    const s = tls.connect({ host: '127.0.0.1', port: engine.address.port, servername: 'facebook.com', ca: [pki.pub.root.certPem] });
    s.on('error', resolve);
    s.on('secureConnect', () => resolve(new Error('unexpectedly trusted')));
  });
  assert.equal((err as NodeJS.ErrnoException).code, 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY');
  await settle();
  const failed = events.find((e) => e.type === 'handshake-failed');
  assert.ok(failed && failed.type === 'handshake-failed', JSON.stringify(events));
  assert.equal(failed.cause, 'closed');
  assert.match(failed.message, /after receiving the forged certificate/);
});

test('upstream verification on refuses an expired origin; off ("laundering") intercepts it anyway', async () => {
  const expired = await startOrigin(pki.pub, ['facebook.com'], { validity: 'expired' });
  try {
    const strict = await engineFor({ to: expired });
    const refused = await run('curl', curlArgs(strict.engine, 'facebook.com', pki.bothRootsFile));
    assert.notEqual(refused.code, 0);
    await settle();
    const failed = strict.events.find((e) => e.type === 'handshake-failed');
    assert.ok(failed && failed.type === 'handshake-failed');
    assert.deepEqual([failed.side, failed.cause, failed.alert], ['upstream', 'cert-rejected', 'CERT_HAS_EXPIRED']);

    const laundering = await engineFor({ to: expired, upstream: { verify: false } });
    const laundered = await run('curl', curlArgs(laundering.engine, 'facebook.com', pki.bothRootsFile));
    assert.equal(laundered.code, 0, laundered.stderr);
    assert.match(curlIssuer(laundered.stderr), /Security Certificate/);
  } finally {
    await expired.close();
  }
});

test('upstream verification on refuses a wrong-host origin; the 2019 trigger passes it through instead', async () => {
  const wrongHost = await startOrigin(pki.pub, ['facebook.com'], { certNames: ['iqala.kz'] });
  try {
    const strict = await engineFor({ to: wrongHost });
    const refused = await run('curl', curlArgs(strict.engine, 'facebook.com', pki.bothRootsFile));
    assert.notEqual(refused.code, 0);
    await settle();
    const failed = strict.events.find((e) => e.type === 'handshake-failed');
    assert.ok(failed && failed.type === 'handshake-failed' && failed.side === 'upstream' && failed.cause === 'cert-rejected', JSON.stringify(strict.events));

    // 2019: a validly chained certificate (for any name) triggers interception
    const trigger = await engineFor({ to: wrongHost, upstream: { verify: false, caPem: [pki.pub.root.certPem], interceptOnlyIfUpstreamValid: true } });
    const r = await run('curl', curlArgs(trigger.engine, 'facebook.com', pki.bothRootsFile, ['-k']));
    assert.equal(r.code, 0, r.stderr);
    assert.match(curlIssuer(r.stderr), /Security Certificate/);
  } finally {
    await wrongHost.close();
  }
});

test('the 2019 trigger leaves an origin with a self-signed certificate alone (passthrough)', async () => {
  const selfSigned = await startOrigin(pki.pub, ['facebook.com'], { selfSigned: true });
  try {
    const { engine, events } = await engineFor({ to: selfSigned, upstream: { verify: false, caPem: [pki.pub.root.certPem], interceptOnlyIfUpstreamValid: true } });
    const r = await run('openssl', ['s_client', '-connect', `127.0.0.1:${engine.address.port}`, '-servername', 'facebook.com'], 'Q\n');
    assert.match(r.stdout, /issuer=CN = facebook\.com/);
    await settle();
    const decision = events.find((e) => e.type === 'decision');
    assert.deepEqual(decision && decision.type === 'decision' && [decision.action, decision.reason], ['passthrough', 'upstream-certificate-invalid']);
  } finally {
    await selfSigned.close();
  }
});

test('JA4 of curl differs from JA4 of a Node client; the engine reports its own upstream fingerprint', async () => {
  const { engine, events } = await engineFor();
  await run('curl', curlArgs(engine, 'facebook.com', pki.bothRootsFile));
  await new Promise<void>((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port: engine.address.port, servername: 'facebook.com', ca: [pki.rogue.root.certPem], ALPNProtocols: ['http/1.1'] });
    s.on('error', reject);
    s.on('secureConnect', () => {
      s.end('GET / HTTP/1.1\r\nHost: facebook.com\r\nConnection: close\r\n\r\n');
      s.resume();
      s.on('close', () => resolve());
    });
  });
  await settle();
  const hellos = events.filter((e) => e.type === 'client-hello').map((e) => (e.type === 'client-hello' ? e.ja4 : ''));
  assert.equal(hellos.length, 2);
  assert.match(hellos[0]!, /^t13d\d{4}h2_/);
  assert.notEqual(hellos[0], hellos[1]);
  const upstream = events.find((e) => e.type === 'upstream-hello');
  assert.ok(upstream && upstream.type === 'upstream-hello' && /^t1[23]d/.test(upstream.ja4 ?? ''), JSON.stringify(upstream));
});

test('the CONNECT door intercepts targets and tunnels the rest; the key log covers both legs', async () => {
  const keylogFile = join(pki.dir, `keys-${process.pid}.log`);
  const { engine, events } = await engineFor({ mode: 'connect', keylogFile, resolve: () => ({ host: origin.host, port: origin.port }) });
  const proxy = `http://127.0.0.1:${engine.address.port}`;
  const intercepted = await run('curl', ['-sS', '-v', '--max-time', '8', '--cacert', pki.bothRootsFile, '--proxy', proxy, 'https://facebook.com/']);
  assert.equal(intercepted.code, 0, intercepted.stderr);
  assert.match(curlIssuer(intercepted.stderr), /Security Certificate/);
  const tunnelled = await run('curl', ['-sS', '-v', '--max-time', '8', '--cacert', pki.bothRootsFile, '--proxy', proxy, 'https://example.org/']);
  assert.equal(tunnelled.code, 0, tunnelled.stderr);
  assert.match(curlIssuer(tunnelled.stderr), /Lab Public/);
  await settle();
  assert.deepEqual(
    events.filter((e) => e.type === 'decision').map((e) => (e.type === 'decision' ? e.action : '')),
    ['intercept', 'passthrough'],
  );
  const lines = readFileSync(keylogFile, 'utf8').trim().split('\n');
  // TLS 1.3: 5 secrets per leg; client leg + upstream leg
  assert.ok(lines.length >= 10, `${lines.length} key log lines`);
  assert.ok(lines.every((l) => /^[A-Z_0-9]+ [0-9a-f]{64} [0-9a-f]+$/.test(l)), lines[0]);
  const randoms = new Set(lines.map((l) => l.split(' ')[1]));
  assert.ok(randoms.size >= 2, 'both legs logged');
});

test('extra doors share one connection-id space; every connection is accepted on a named door and keyed by address', async () => {
  const keys: Array<{ conn: number; line: string }> = [];
  const { engine, events } = await engineFor({ onKeylog: (conn, line) => keys.push({ conn, line: line.toString() }) });
  const connectDoor = await engine.openDoor({ listen: { host: '127.0.0.2', port: 0 }, mode: 'connect' });
  assert.equal(connectDoor.host, '127.0.0.2');
  const viaSni = await run('curl', curlArgs(engine, 'facebook.com', pki.bothRootsFile));
  assert.equal(viaSni.code, 0, viaSni.stderr);
  const viaConnect = await run('curl', ['-sS', '--max-time', '8', '--cacert', pki.bothRootsFile, '--proxy', `http://127.0.0.2:${connectDoor.port}`, 'https://facebook.com/']);
  assert.equal(viaConnect.code, 0, viaConnect.stderr);
  await settle();
  const accepted = events.filter((e) => e.type === 'accepted');
  assert.deepEqual(accepted.map((e) => e.conn), [1, 2]);
  assert.deepEqual(accepted.map((e) => (e.type === 'accepted' ? [e.door, e.local.split(':')[0]] : [])), [['sni', '127.0.0.1'], ['connect', '127.0.0.2']]);
  const tunnel = events.find((e) => e.type === 'tunnel');
  assert.deepEqual(tunnel?.type === 'tunnel' && [tunnel.conn, tunnel.target], [2, 'facebook.com:443']);
  assert.deepEqual(events.filter((e) => e.type === 'served').map((e) => e.conn), [1, 2]);
  // both connections' client legs have their own key lines; upstream legs carry the connection that opened them
  for (const conn of [1, 2]) assert.ok(keys.filter((k) => k.conn === conn).length >= 5, `key lines of connection ${conn}`);
});

test('the CONNECT door with a lab resolver refuses a name the lab does not serve instead of dialling it', async () => {
  const { engine, events } = await engineFor({ mode: 'connect', resolve: (name) => (name === 'example.org' ? { host: origin.host, port: origin.port } : undefined) });
  const proxy = `http://127.0.0.1:${engine.address.port}`;
  const refused = await run('curl', ['-sS', '--max-time', '8', '--cacert', pki.bothRootsFile, '--proxy', proxy, 'https://accounts.google.com/']);
  assert.notEqual(refused.code, 0, refused.stdout);
  await settle();
  const decision = events.find((e) => e.type === 'decision');
  assert.deepEqual(decision?.type === 'decision' && [decision.action, decision.reason], ['reject', 'unresolved-name']);
  assert.equal(events.some((e) => e.type === 'upstream-hello'), false, 'no upstream connection was attempted');
});

test('HTML injection rewrites text/html on intercepted connections only', async () => {
  const { engine } = await engineFor({ injectHtml: '<script>/*kz*/</script>' });
  const intercepted = await run('curl', curlArgs(engine, 'facebook.com', pki.bothRootsFile));
  assert.match(intercepted.stdout, /<script>\/\*kz\*\/<\/script><\/body>/);
  const passed = await run('curl', curlArgs(engine, 'example.org', pki.bothRootsFile));
  assert.doesNotMatch(passed.stdout, /kz/);
});

test('upstream connections are pooled across client connections', async () => {
  const { engine } = await engineFor();
  const before = new Set(origin.seen.map((s) => s.remotePort));
  for (let i = 0; i < 4; i++) {
    const r = await run('curl', curlArgs(engine, 'www.google.com', pki.bothRootsFile));
    assert.equal(r.code, 0, r.stderr);
  }
  const ports = new Set(origin.seen.slice(-4).map((s) => s.remotePort).filter((p) => !before.has(p)));
  // each client connection fetched the certificate on a fresh upstream connection, but requests reuse pooled ones
  assert.ok(ports.size < 4, `upstream ports ${[...ports].join(',')}`);
});

test('close() leaves no sockets behind', async () => {
  const { engine } = await engineFor();
  await run('curl', curlArgs(engine, 'facebook.com', pki.bothRootsFile));
  await engine.close();
  assert.equal(engine.openSockets(), 0);
});
