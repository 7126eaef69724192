/**
 * The loopback runtime on its own: distinct origin addresses, both doors, what the origin records,
 * the engine's events, and that down() really stops every listener.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as connectTcp } from 'node:net';
import { openRoute } from '../../lab/clients/route.ts';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import { createAuthority, createForger, issueServerCertificate } from '../../lab/ca/index.ts';
import type { Route } from '../../lab/clients/types.ts';
import { loopbackRuntime, originAddress } from '../../lab/runtime/loopback.ts';

/** GET / over the route, trusting `ca`; returns the leaf's issuer CN and the response. */
async function fetchOver(route: Route, url: string, ca: string[]): Promise<{ issuer: string; body: string }> {
  const { hostname, port } = new URL(url);
  // the same tunnel code the in-process client shims use
  const raw = await openRoute({ site: hostname, url, route, timeoutMs: 5000 });
  return new Promise((resolve, reject) => {
    const tls: TLSSocket = connectTls({ socket: raw, servername: hostname, ca });
    let body = '';
    let issuer = '';
    tls.once('error', reject);
    tls.once('secureConnect', () => {
      issuer = String(tls.getPeerCertificate().issuer.CN);
      tls.write(`GET / HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUser-Agent: loopback-test/1\r\nConnection: close\r\n\r\n`);
    });
    tls.on('data', (d: Buffer) => (body += d.toString()));
    tls.once('end', () => resolve({ issuer, body }));
  });
}

test('origin addresses are distinct and stay off 127.0.0.1', () => {
  const seen = new Set(Array.from({ length: 600 }, (_, i) => originAddress(i)));
  assert.equal(seen.size, 600);
  assert.ok(![...seen].some((a) => a.startsWith('127.0.0.')));
});

test('loopback lab: SNI door and CONNECT door intercept targets, pass the rest through, and record evidence', async () => {
  const [publicCa, rogue] = await Promise.all([createAuthority('lab-public'), createAuthority('qaznet-2019')]);
  const origins = await Promise.all(
    ['vk.com', 'control.example.kz'].map(async (name) => {
      const c = await issueServerCertificate(publicCa, { names: [name] });
      return { name, chainPem: c.chainPem, keyPem: c.keyPem };
    }),
  );
  const lab = await loopbackRuntime.up({
    origins,
    workDir: '/nonexistent-unused',
    interception: {
      targets: { names: new Set(['vk.com']) },
      forger: await createForger(rogue, 'kz-2019'),
      upstream: { verify: true, caPem: [publicCa.root.certPem] },
    },
  });
  const trustBoth = [publicCa.root.certPem, rogue.root.certPem];
  try {
    assert.deepEqual(lab.routeKinds, ['direct', 'connect']);
    const port = new URL(lab.urlFor('vk.com')).port;
    assert.equal(new URL(lab.urlFor('control.example.kz')).port, port, 'one port number for every site');

    for (const kind of lab.routeKinds) {
      const intercepted = await fetchOver(lab.routeFor('vk.com', kind), lab.urlFor('vk.com'), trustBoth);
      assert.notEqual(intercepted.issuer, undefined);
      assert.doesNotMatch(intercepted.issuer, /lab|public/i, `${kind}: vk.com must be forged by the rogue chain`);
      assert.match(intercepted.body, /<h1>vk\.com<\/h1>/, `${kind}: the box re-originated to the real origin`);

      const control = await fetchOver(lab.routeFor('control.example.kz', kind), lab.urlFor('control.example.kz'), [publicCa.root.certPem]);
      assert.match(control.body, /<h1>control\.example\.kz<\/h1>/, `${kind}: the control site passes through untouched`);
    }

    const vkVisits = lab.originView('vk.com');
    assert.equal(vkVisits.length, 2);
    for (const v of vkVisits) {
      assert.equal(v.sni, 'vk.com');
      assert.equal(v.userAgent, 'loopback-test/1');
      assert.match(v.ja3 ?? '', /^[0-9a-f]{32}$/);
      assert.match(v.ja4 ?? '', /^t1[23]d/);
    }
    const hellos = lab.engineEvents().filter((e) => e.type === 'client-hello');
    assert.ok(hellos.length >= 4, `the box saw every ClientHello (saw ${hellos.length})`);
  } finally {
    await lab.down();
  }
  const url = new URL(lab.urlFor('vk.com'));
  const refused = await new Promise<boolean>((resolve) => {
    const s = connectTcp({ host: '127.0.0.1', port: Number(url.port) });
    s.once('connect', () => (s.destroy(), resolve(false)));
    s.once('error', () => resolve(true));
  });
  assert.ok(refused, 'after down() nothing listens on the lab port');
});
