import { test } from 'node:test';
import assert from 'node:assert/strict';
import { localiseInterceptor } from '../../lab/runtime/netns/ttl-localise.ts';
import { skipReason } from './support.ts';
import { upFixture, interceptWithStub, genuineIssuers } from './lab-fixture.ts';

test('TTL localisation names the gateway hop behind 2 routers, and the origin one hop further', { skip: skipReason, timeout: 60_000 }, async () => {
  const f = await upFixture(2);
  try {
    const opts = { site: 'facebook.com', controlSni: 'example.org', controlAddress: f.example.address, genuineIssuersPem: genuineIssuers(f.pub) };
    // before any interception: nothing is forged, the genuine certificate needs the full path
    const clean = await localiseInterceptor(f.lab, opts);
    assert.equal(clean.interceptorHop, null);
    assert.equal(clean.originHop, f.lab.hop('origin-example'));
    assert.ok(clean.probes.site.slice(0, 3).every((p) => p.outcome === 'no-answer'), JSON.stringify(clean.probes.site));

    await interceptWithStub(f, 'redirect', [f.facebook.address]);
    const result = await localiseInterceptor(f.lab, opts);
    assert.equal(f.lab.hop('gw'), 3);
    assert.deepEqual(
      { site: result.site, interceptorHop: result.interceptorHop, interceptorHost: result.interceptorHost, originHop: result.originHop },
      { site: 'facebook.com', interceptorHop: 3, interceptorHost: 'gw', originHop: 4 },
    );
    assert.deepEqual(result.probes.site.map((p) => p.outcome), ['no-answer', 'no-answer', 'certificate']);
  } finally {
    await f.close();
  }
});
