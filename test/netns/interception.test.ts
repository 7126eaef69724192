import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import type { AuthorityMaterial } from '../../lab/ca/index.ts';
import type { NetnsLab } from '../../lab/runtime/netns/lab.ts';
import { interceptionRuleset } from '../../lab/runtime/netns/interception-rules.ts';
import { skipReason } from './support.ts';
import { upFixture, interceptWithStub, STUB_PORT } from './lab-fixture.ts';

test('ruleset: destination selection only redirects the listed addresses', () => {
  const rules = interceptionRuleset({ method: 'redirect', port: 1, inside: ['eth0'], selection: { kind: 'destinations', addresses: ['10.203.4.2'] } });
  assert.match(rules, /elements = \{ 10\.203\.4\.2 \}/);
  assert.match(rules, /iifname \{ "eth0" \} tcp dport 443 ip daddr @intercept_dst redirect to :1/);
  const tp = interceptionRuleset({ method: 'tproxy', port: 2, inside: ['eth1'], selection: { kind: 'all' } });
  assert.match(tp, /tproxy to :2 meta mark set 1/);
  assert.doesNotMatch(tp, /daddr/);
});

for (const method of ['redirect', 'tproxy'] as const) {
  test(`transparent ${method}: a targeted destination meets the interceptor, any other passes untouched`, { skip: skipReason, timeout: 60_000 }, async () => {
    const f = await upFixture(2);
    const { lab, facebook, example } = f;
    try {
      await interceptWithStub(f, method, [facebook.address]);

      const hit = await curl(lab, 'https://facebook.com/');
      assert.ok(hit.issuer.includes(issuingCn(f.rogue)), `forged chain expected, issuer: ${hit.issuer}`);
      const seen = JSON.parse(hit.body) as { local: string; peer: string };
      assert.equal(seen.peer, lab.address('client'), 'the gateway sees the client itself');
      if (method === 'tproxy') assert.equal(seen.local, `${facebook.address}:443`, 'TPROXY: the local address is the original destination');
      else {
        assert.equal(seen.local, `${lab.address('gw', 'r2')}:${STUB_PORT}`);
        const conntrack = await lab.run('gw', ['cat', '/proc/net/nf_conntrack']);
        const entry = conntrack.stdout.split('\n').find((l) => l.includes(`dst=${facebook.address} sport=`) && l.includes(`sport=${STUB_PORT}`));
        assert.ok(entry, `conntrack holds the original destination:\n${conntrack.stdout}`);
        assert.match(entry, new RegExp(`src=${lab.address('client')} dst=${facebook.address} sport=\\d+ dport=443`));
      }
      assert.equal(facebook.visits.length, 0, 'the targeted origin was never reached');

      const pass = await curl(lab, 'https://example.org/');
      assert.ok(pass.issuer.includes(issuingCn(f.pub)), `origin chain expected, issuer: ${pass.issuer}`);
      assert.match(pass.body, /example\.org/);
      await waitFor(() => example.visits.length === 1);
      assert.equal(example.visits[0]!.peer, lab.address('client'), "untargeted traffic reaches the origin from the client's own address");
    } finally {
      await f.close();
    }
  });
}

/** `CN=...` of the CA that signs leaves for this authority, as curl prints it in `issuer:` */
function issuingCn(a: AuthorityMaterial): string {
  const subject = new X509Certificate((a.intermediates[0] ?? a.root).certPem).subject;
  return subject.split('\n').find((l) => l.startsWith('CN='))!;
}

async function curl(lab: NetnsLab, url: string): Promise<{ issuer: string; body: string; verbose: string }> {
  const r = await lab.run('client', ['curl', '-sS', '-v', '--max-time', '5', url], { check: false, env: { HOME: '/nonexistent' } });
  assert.equal(r.code, 0, `curl ${url}: ${r.stderr}`);
  return { issuer: /issuer: (.*)/.exec(r.stderr)?.[1] ?? '', body: r.stdout, verbose: r.stderr };
}

async function waitFor(cond: () => boolean, timeoutMs = 2000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}
