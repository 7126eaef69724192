import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetnsLab } from '../../lab/runtime/netns/lab.ts';
import { findRoutesOutOfLab } from '../../lab/runtime/netns/safety.ts';
import { skipReason } from './support.ts';

// route lookups only: `ip route get` asks the routing table and sends nothing
const OUTSIDE_V4 = ['8.8.8.8', '1.1.1.1', '10.0.0.1', '10.204.0.1', '172.16.0.1', '192.168.1.1', '127.0.0.53', '100.64.0.1'];
const OUTSIDE_V6 = ['2001:4860:4860::8888', 'fd00::1'];

test('no route out: every lab namespace fails route lookups to addresses outside the lab range', { skip: skipReason }, async () => {
  const lab = await NetnsLab.up({ clients: 2, routersBeforeGateway: 2, origins: ['facebook.com', 'example.org'] });
  try {
    assert.deepEqual(await findRoutesOutOfLab(lab.holder, lab.namespaces(), lab.plan.range), []);
    for (const host of lab.plan.hosts) {
      for (const dst of OUTSIDE_V4) {
        const r = await lab.run(host.name, ['ip', '-4', 'route', 'get', dst], { check: false });
        // 127.0.0.53 is "local" on lo in every namespace: it cannot leave, so it is allowed
        if (dst.startsWith('127.')) assert.match(r.stdout, /^local /, `${host.name} ${dst}`);
        else assert.notEqual(r.code, 0, `${host.name} has a route to ${dst}: ${r.stdout}`);
      }
      for (const dst of OUTSIDE_V6) {
        const r = await lab.run(host.name, ['ip', '-6', 'route', 'get', dst], { check: false });
        assert.notEqual(r.code, 0, `${host.name} has an IPv6 route to ${dst}: ${r.stdout}`);
      }
      // a lab address is routable from everywhere (the check above is not vacuous)
      const inside = await lab.run(host.name, ['ip', '-4', 'route', 'get', lab.address('origin-example')]);
      assert.match(inside.stdout, /^(local )?10\.203\./);
    }
    // the sealed check itself catches a route out: add a default route, see it flagged, remove it
    const client = lab.ns(lab.plan.clients[0]!);
    const via = lab.plan.hosts.find((h) => h.name === lab.plan.clients[0])!.routes[0]!.via;
    await lab.holder.runInHolder(['ip', '-n', client, 'route', 'add', 'default', 'via', via]);
    const flagged = await findRoutesOutOfLab(lab.holder, lab.namespaces(), lab.plan.range);
    assert.deepEqual(flagged.map((v) => [v.namespace, v.route.split(' ')[0]]), [[client, 'default']]);
    await lab.holder.runInHolder(['ip', '-n', client, 'route', 'del', 'default']);
    // the holder's own namespace (where lab commands start) is empty too
    const holderRoute = await lab.holder.runInHolder(['ip', 'route', 'get', '8.8.8.8']).catch((e: Error) => e);
    assert.ok(holderRoute instanceof Error);
    // every veth's peer sits in a namespace of this run, never in the host's (which has no name here)
    for (const ns of lab.namespaces()) {
      const links = (await lab.holder.runInHolder(['ip', '-n', ns, '-o', '-d', 'link', 'show', 'type', 'veth'])).stdout.trim().split('\n');
      for (const link of links) assert.match(link, new RegExp(`link-netns ${lab.holder.prefix}${lab.holder.runId}-`), `${ns}: ${link}`);
    }
  } finally {
    await lab.down();
  }
});

test('the runtime refuses to run anything in a namespace that is not one of its own', { skip: skipReason }, async () => {
  const lab = await NetnsLab.up({ origins: ['example.org'] }, { dns: false });
  try {
    assert.throws(() => lab.holder.namespaceArgv('some-host-netns', ['curl', 'https://example.org/']), /refusing to run outside a lab namespace/);
    assert.throws(() => lab.run('not-a-host', ['true']), /no host not-a-host/);
  } finally {
    await lab.down();
  }
  await assert.rejects(lab.run('client', ['true']), /./, 'a stopped lab runs nothing');
});
