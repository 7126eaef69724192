import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { frameClientHello, parseClientHello } from '../../lab/proxy/client-hello.ts';
import { canonicalAddress, parseConntrack, defaultOriginalDestination } from '../../lab/proxy/original-destination.ts';
import { TARGET_LIST_NAMES, isTarget, parseTargetFile, targetList, targetPolicyFrom } from '../../lab/proxy/targets.ts';
import { afterUpstreamCheck, decide } from '../../lab/proxy/policy.ts';
import { classifyFailure } from '../../lab/proxy/failure.ts';
import { parseConnectHead } from '../../lab/proxy/doors/connect.ts';
import { injectIntoHtml } from '../../lab/proxy/http-layer.ts';
import { UserError } from '../../harness/errors.ts';
import { buildClientHello, captureNodeHello } from './hello-bytes.ts';

test('target lists: kz-2019 has the 37 names of the paper, exact match only', () => {
  assert.deepEqual([...TARGET_LIST_NAMES], ['kz-2019', 'kz-2020', 'ooni-2021-2024']);
  const kz = targetList('kz-2019');
  assert.equal(kz.length, 37);
  assert.equal(new Set(kz).size, 37);
  const policy = targetPolicyFrom('kz-2019');
  assert.equal(isTarget(policy, 'www.google.com'), true);
  assert.equal(isTarget(policy, 'WWW.Google.COM.'), true);
  assert.equal(isTarget(policy, 'm.facebook.com'), false, 'not in the 2019 list');
  assert.equal(isTarget(policy, 'www.twitter.com'), false);
  assert.equal(targetList('ooni-2021-2024').length, 15);
  assert.throws(() => targetList('kz-1999'), UserError);
  assert.equal(isTarget(targetPolicyFrom('*'), 'anything.example'), true);
});

test('user target files: comments and blanks ignored; wildcards and junk refused with the line number', (t) => {
  assert.deepEqual(parseTargetFile('# mine\nFacebook.com\n\nvk.com  # the VK one\n'), ['facebook.com', 'vk.com']);
  assert.throws(() => parseTargetFile('ok.ru\n*.google.com\n', 'f.txt'), /f\.txt:2: "\*\.google\.com" is a wildcard/);
  assert.throws(() => parseTargetFile('not a name\n', 'f.txt'), /f\.txt:1/);
  assert.throws(() => parseTargetFile('# nothing\n', 'f.txt'), /lists no names/);
  const dir = mkdtempSync(join(tmpdir(), 'tlslab-targets-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 't.txt'), 'example.kz\n');
  assert.deepEqual([...targetPolicyFrom(join(dir, 't.txt')).names], ['example.kz']);
  assert.throws(() => targetPolicyFrom(join(dir, 'missing.txt')), /cannot read target list/);
});

test('policy: targets intercepted, others passed, bad SNI rejected; the 2019 trigger and verification', () => {
  const targets = { names: new Set(['facebook.com']) };
  assert.equal(decide(targets, 'facebook.com').action, 'intercept');
  assert.deepEqual(decide(targets, 'example.org'), { action: 'passthrough', reason: 'not-a-target' });
  assert.deepEqual(decide(targets, undefined), { action: 'passthrough', reason: 'no-sni' });
  assert.deepEqual(decide(targets, 'a'.repeat(300)), { action: 'reject', reason: 'invalid-sni' });
  assert.deepEqual(decide(targets, 'bad name'), { action: 'reject', reason: 'invalid-sni' });
  const invalidChain = { chainValid: false, valid: false, error: 'SELF_SIGNED' };
  const wrongName = { chainValid: true, valid: false, error: 'ERR_TLS_CERT_ALTNAME_INVALID' };
  assert.equal(afterUpstreamCheck({ verify: false, interceptOnlyIfUpstreamValid: true }, invalidChain), 'passthrough');
  assert.equal(afterUpstreamCheck({ verify: false, interceptOnlyIfUpstreamValid: true }, wrongName), 'intercept');
  assert.equal(afterUpstreamCheck({ verify: true }, wrongName), 'refuse');
  assert.equal(afterUpstreamCheck({ verify: false }, invalidChain), 'intercept');
});

test('ClientHello framing waits for every record and parses SNI, ALPN, version, JA3 and JA4', async () => {
  const hello = await captureNodeHello('facebook.com');
  for (let cut = 0; cut < hello.length; cut += 37) assert.equal(frameClientHello(hello.subarray(0, cut)).state, cut === 0 ? 'need-more' : 'need-more');
  const framing = frameClientHello(Buffer.concat([hello, Buffer.from('extra')]));
  assert.equal(framing.state, 'complete');
  assert.ok(framing.state === 'complete');
  assert.equal(framing.length, hello.length);
  const info = parseClientHello(framing.handshake);
  assert.equal(info.sni, 'facebook.com');
  assert.equal(info.version, 'TLSv1.3');
  assert.match(info.ja3, /^[0-9a-f]{32}$/);
  assert.match(info.ja4, /^t13d\d{4}00_[0-9a-f]{12}_[0-9a-f]{12}$/);

  const split = buildClientHello('x'.repeat(40_000));
  const multi = frameClientHello(split);
  assert.ok(multi.state === 'complete');
  assert.equal(parseClientHello(multi.handshake).sni?.length, 40_000);
  assert.equal(parseClientHello(multi.handshake).version, 'TLSv1.2');
});

test('ClientHello framing rejects what is not a hello, and the parser survives lying lengths', () => {
  assert.deepEqual(frameClientHello(Buffer.from('GET / HTTP/1.1\r\n')), { state: 'invalid', reason: 'not-tls' });
  assert.deepEqual(frameClientHello(Buffer.from([0x80, 0x2e, 0x01, 0x03])), { state: 'invalid', reason: 'sslv2-hello' });
  assert.deepEqual(frameClientHello(Buffer.from([22, 3, 1, 0, 4, 2, 0, 0, 0])), { state: 'invalid', reason: 'not-client-hello' });
  assert.deepEqual(frameClientHello(Buffer.from([22, 3, 1, 0xff, 0xff])), { state: 'invalid', reason: 'bad-record' });
  assert.deepEqual(frameClientHello(Buffer.from([22, 3, 1, 0, 4, 1, 0x7f, 0xff, 0xff])), { state: 'invalid', reason: 'hello-too-large' });
  const good = buildClientHello('ok.ru');
  const framing = frameClientHello(good);
  assert.ok(framing.state === 'complete');
  const lying = Buffer.from(framing.handshake);
  lying[4 + 2 + 32 + 1] = 0xff; // cipher suite length high byte
  assert.throws(() => parseClientHello(lying), RangeError);
});

test('conntrack parsing finds the REDIRECTed original destination (IPv4 and IPv6)', () => {
  const table = [
    'ipv4     2 tcp      6 431999 ESTABLISHED src=10.203.1.2 dst=10.203.4.3 sport=40000 dport=443 src=10.203.4.3 dst=10.203.1.2 sport=443 dport=40000 [ASSURED] mark=0 zone=0 use=2',
    'ipv4     2 tcp      6 431999 ESTABLISHED src=10.203.1.2 dst=10.203.4.2 sport=52570 dport=443 src=10.203.1.1 dst=10.203.1.2 sport=20086 dport=52570 [ASSURED] mark=0 zone=0 use=2',
    'ipv4     2 udp      17 20 src=10.203.1.2 dst=10.203.4.53 sport=52570 dport=53 src=10.203.4.53 dst=10.203.1.2 sport=53 dport=52570 mark=0 zone=0 use=2',
    'ipv6     10 tcp      6 431999 ESTABLISHED src=fd00:0000:0000:0000:0000:0000:0000:0002 dst=fd00:0000:0000:0000:0000:0000:0004:0002 sport=41000 dport=443 src=fd00:0000:0000:0000:0000:0000:0000:0001 dst=fd00:0000:0000:0000:0000:0000:0000:0002 sport=20086 dport=41000 [ASSURED] use=2',
  ].join('\n');
  const accepted = { remoteAddress: '::ffff:10.203.1.2', remotePort: 52570, localAddress: '10.203.1.1', localPort: 20086 };
  assert.deepEqual(parseConntrack(table, accepted), { host: '10.203.4.2', port: 443 });
  assert.equal(parseConntrack(table, { ...accepted, remotePort: 1 }), undefined);
  assert.equal(parseConntrack(table, { ...accepted, localPort: 1 }), undefined);
  assert.deepEqual(parseConntrack(table, { remoteAddress: 'fd00::2', remotePort: 41000, localAddress: 'fd00::1', localPort: 20086 }), {
    host: 'fd00:0000:0000:0000:0000:0000:0004:0002',
    port: 443,
  });
  // NAT remapped the client's port (its first port was taken by a flow to another destination)
  const remapped = 'ipv4     2 tcp      6 431999 ESTABLISHED src=10.203.1.2 dst=10.203.4.2 sport=38724 dport=443 src=10.203.3.2 dst=10.203.1.2 sport=20443 dport=61372 [ASSURED] mark=0 zone=0 use=2';
  assert.deepEqual(parseConntrack(remapped, { remoteAddress: '10.203.1.2', remotePort: 61372, localAddress: '10.203.3.2', localPort: 20443 }), { host: '10.203.4.2', port: 443 });
  assert.equal(parseConntrack(remapped, { remoteAddress: '10.203.1.2', remotePort: 38724, localAddress: '10.203.3.2', localPort: 20443 }), undefined);
  assert.equal(canonicalAddress('fd00::4:2'), 'fd00:0000:0000:0000:0000:0000:0004:0002');
  assert.equal(canonicalAddress('::1'), '0000:0000:0000:0000:0000:0000:0000:0001');
});

test('the default transparent lookup uses the local address for TPROXY and conntrack for REDIRECT', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tlslab-ct-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'nf_conntrack');
  writeFileSync(file, 'ipv4 2 tcp 6 100 ESTABLISHED src=10.0.0.2 dst=10.0.0.9 sport=5000 dport=443 src=10.0.0.1 dst=10.0.0.2 sport=8443 dport=5000 use=1\n');
  const lookup = defaultOriginalDestination(8443, file);
  assert.deepEqual(await lookup.lookup({ remoteAddress: '10.0.0.2', remotePort: 5000, localAddress: '10.0.0.1', localPort: 8443 }), { host: '10.0.0.9', port: 443 });
  assert.deepEqual(await lookup.lookup({ remoteAddress: '10.0.0.2', remotePort: 5001, localAddress: '::ffff:10.0.0.7', localPort: 443 }), { host: '10.0.0.7', port: 443 });
  assert.equal(await defaultOriginalDestination(8443, join(dir, 'absent')).lookup({ remoteAddress: '10.0.0.2', remotePort: 5000, localAddress: '10.0.0.1', localPort: 8443 }), undefined);
});

test('failure classification: alerts, certificate codes, resets, timeouts', () => {
  assert.deepEqual(classifyFailure(new Error('...:SSL routines:ssl3_read_bytes:tlsv1 alert unknown ca:...:SSL alert number 48')).alert, 'unknown_ca');
  assert.equal(classifyFailure(new Error('x SSL alert number 48')).cause, 'cert-rejected');
  assert.equal(classifyFailure(new Error('x SSL alert number 70')).cause, 'protocol');
  assert.equal(classifyFailure(Object.assign(new Error('expired'), { code: 'CERT_HAS_EXPIRED' })).cause, 'cert-rejected');
  assert.equal(classifyFailure(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })).cause, 'reset');
  assert.equal(classifyFailure(Object.assign(new Error('slow'), { code: 'ETIMEDOUT' })).cause, 'timeout');
});

test('CONNECT request heads: authority forms and refusals', () => {
  assert.deepEqual(parseConnectHead('CONNECT vk.com:443 HTTP/1.1\r\nHost: vk.com:443'), { ok: true, target: { host: 'vk.com', port: 443 }, rest: Buffer.alloc(0) });
  assert.deepEqual(parseConnectHead('CONNECT [::1]:8443 HTTP/1.1').ok && parseConnectHead('CONNECT [::1]:8443 HTTP/1.1'), { ok: true, target: { host: '::1', port: 8443 }, rest: Buffer.alloc(0) });
  assert.deepEqual(parseConnectHead('GET / HTTP/1.1'), { ok: false, status: 405, reason: 'not-connect' });
  assert.deepEqual(parseConnectHead('CONNECT vk.com HTTP/1.1'), { ok: false, status: 400, reason: 'bad-connect-authority' });
  assert.deepEqual(parseConnectHead('CONNECT vk.com:99999 HTTP/1.1'), { ok: false, status: 400, reason: 'bad-connect-authority' });
  assert.deepEqual(parseConnectHead('\x16\x03\x01'), { ok: false, status: 400, reason: 'malformed-connect' });
});

test('HTML injection goes before the last </body>, or at the end', () => {
  assert.equal(injectIntoHtml('<p>a</p></BODY></html>', 'X'), '<p>a</p>X</BODY></html>');
  assert.equal(injectIntoHtml('<p>a</p>', 'X'), '<p>a</p>X');
});

test('tlslab proxy: bad input is a UserError (exit 2, one line, no stack)', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tlslab-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cases: [string[], RegExp][] = [
    [['--ca', dir, '--profile', 'modern', '--listen', '0.0.0.0:8443'], /not a loopback address; add --allow-remote/],
    [['--ca', dir, '--profile', 'modern', '--listen', 'nonsense'], /--listen must be HOST:PORT/],
    [['--ca', dir, '--profile', 'modern', '--listen', '127.0.0.1:0', '--targets', 'kz-1999'], /cannot read target list kz-1999/],
    [['--ca', dir, '--profile', 'modern', '--listen', '127.0.0.1:0', '--map', 'vk.com'], /--map must be NAME=HOST:PORT/],
    [['--ca', dir, '--profile', 'modern', '--listen', '127.0.0.1:0', '--head-timeout', 'soon'], /--head-timeout must be a whole number of milliseconds/],
  ];
  for (const [args, message] of cases) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'bin/tlslab.js', 'proxy', ...args], { encoding: 'utf8', cwd: new URL('../..', import.meta.url).pathname, timeout: 20_000 });
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
});
