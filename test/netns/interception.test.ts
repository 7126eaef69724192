import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import type { AuthorityMaterial } from '../../lab/ca/index.ts';
import type { NetnsLab } from '../../lab/runtime/netns/lab.ts';
import { interceptionRuleset } from '../../lab/runtime/netns/interception-rules.ts';
import { localiseInterceptor } from '../../lab/runtime/netns/ttl-localise.ts';
import { startCapture } from '../../lab/runtime/netns/capture.ts';
import { skipReason } from './support.ts';
import { upFixture, interceptWithStub, genuineIssuers, STUB_PORT, type Fixture } from './lab-fixture.ts';

const tshark = spawnSync('tshark', ['--version'], { encoding: 'utf8' }).status === 0;

test('ruleset: destination selection only redirects the listed addresses', () => {
  const rules = interceptionRuleset({ method: 'redirect', port: 1, inside: ['eth0'], selection: { kind: 'destinations', addresses: ['10.203.4.2'] } });
  assert.match(rules, /elements = \{ 10\.203\.4\.2 \}/);
  assert.match(rules, /iifname \{ "eth0" \} tcp dport 443 ip daddr @intercept_dst redirect to :1/);
  const tp = interceptionRuleset({ method: 'tproxy', port: 2, inside: ['eth1'], selection: { kind: 'all' } });
  assert.match(tp, /tproxy to :2 meta mark set 1/);
  assert.doesNotMatch(tp, /daddr/);
});

test('transparent redirect: targeted destination intercepted, original destination in conntrack, others untouched; TTL localisation names the gateway hop', { skip: skipReason, timeout: 90_000 }, async () => {
  const f = await upFixture(2);
  const { lab, facebook } = f;
  try {
    const ttl = { site: 'facebook.com', controlSni: 'example.org', controlAddress: f.example.address, genuineIssuersPem: genuineIssuers(f.pub) };
    // before any interception nothing is forged and the genuine certificate needs the full path
    const clean = await localiseInterceptor(lab, ttl);
    assert.equal(clean.interceptorHop, null);
    assert.equal(clean.originHop, lab.hop('origin-example'));
    assert.deepEqual(clean.probes.site.slice(0, 3).map((p) => p.outcome), ['no-answer', 'no-answer', 'no-answer']);

    await interceptWithStub(f, 'redirect', [facebook.address]);
    const seen = await checkInterception(f);
    assert.equal(seen.local, `${lab.address('gw', 'r2')}:${STUB_PORT}`, 'REDIRECT: the socket only knows the proxy port');
    const conntrack = await lab.run('gw', ['cat', '/proc/net/nf_conntrack']);
    const entry = conntrack.stdout.split('\n').find((l) => l.includes(`dst=${facebook.address} sport=`) && l.includes(`sport=${STUB_PORT}`));
    assert.ok(entry, `conntrack holds the original destination:\n${conntrack.stdout}`);
    assert.match(entry, new RegExp(`src=${lab.address('client')} dst=${facebook.address} sport=\\d+ dport=443`));

    const located = await localiseInterceptor(lab, ttl);
    assert.equal(lab.hop('gw'), 3);
    assert.deepEqual(
      { site: located.site, interceptorHop: located.interceptorHop, interceptorHost: located.interceptorHost, originHop: located.originHop },
      { site: 'facebook.com', interceptorHop: 3, interceptorHost: 'gw', originHop: 4 },
    );
    assert.deepEqual(located.probes.site.map((p) => p.outcome), ['no-answer', 'no-answer', 'certificate']);
  } finally {
    await f.close();
  }
});

test('transparent tproxy: IP_TRANSPARENT listener handed over, local address is the original destination; capture decrypts with the key log', { skip: skipReason, timeout: 90_000 }, async () => {
  const f = await upFixture(0);
  const { lab, facebook } = f;
  try {
    await interceptWithStub(f, 'tproxy', [facebook.address]);
    const pcap = join(f.work, 'gw.pcapng');
    const capture = tshark ? await startCapture(lab, 'gw', lab.plan.gatewayInside, pcap, 'tcp port 443') : undefined;
    const seen = await checkInterception(f, '/secret-path-42');
    assert.equal(seen.local, `${facebook.address}:443`);
    if (!capture) return;
    await capture.stop();
    const read = (extra: string[]): string =>
      spawnSync('tshark', ['-n', '-r', pcap, ...extra, '-Y', 'http.request', '-T', 'fields', '-e', 'http.request.uri'], { encoding: 'utf8' }).stdout;
    assert.match(read(['-o', `tls.keylog_file:${join(f.work, 'stub-keys.log')}`]), /\/secret-path-42/);
    // without the key log the same capture shows no HTTP at all: the decryption is real
    assert.doesNotMatch(read([]), /secret-path/);
  } finally {
    await f.close();
  }
});

/** facebook.com meets the terminator, example.org reaches its origin from the client's own address */
async function checkInterception(f: Fixture, path = '/'): Promise<{ local: string; peer: string }> {
  const { lab, facebook, example } = f;
  const hit = await curl(lab, `https://facebook.com${path}`);
  assert.ok(hit.issuer.includes(issuingCn(f.rogue)), `forged chain expected, issuer: ${hit.issuer}`);
  const seen = JSON.parse(hit.body) as { local: string; peer: string };
  assert.equal(seen.peer, lab.address('client'), 'the gateway sees the client itself');
  assert.equal(facebook.visits.length, 0, 'the targeted origin was never reached');

  const pass = await curl(lab, 'https://example.org/');
  assert.ok(pass.issuer.includes(issuingCn(f.pub)), `origin chain expected, issuer: ${pass.issuer}`);
  assert.match(pass.body, /example\.org/);
  await waitFor(() => example.visits.length === 1);
  assert.equal(example.visits[0]!.peer, lab.address('client'), "untargeted traffic reaches the origin from the client's own address");
  return seen;
}

/** `CN=...` of the CA that signs leaves for this authority, as curl prints it in `issuer:` */
function issuingCn(a: AuthorityMaterial): string {
  const subject = new X509Certificate((a.intermediates[0] ?? a.root).certPem).subject;
  return subject.split('\n').find((l) => l.startsWith('CN='))!;
}

async function curl(lab: NetnsLab, url: string): Promise<{ issuer: string; body: string }> {
  const r = await lab.run('client', ['curl', '-sS', '-v', '--max-time', '5', url], { check: false, env: { HOME: '/nonexistent' } });
  assert.equal(r.code, 0, `curl ${url}: ${r.stderr}`);
  return { issuer: /issuer: (.*)/.exec(r.stderr)?.[1] ?? '', body: r.stdout };
}

async function waitFor(cond: () => boolean, timeoutMs = 2000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}
