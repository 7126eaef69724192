import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { planTopology, hostPlan } from '../../lab/runtime/netns/topology.ts';
import { routeStaysInLab } from '../../lab/runtime/netns/address-plan.ts';
import { NetnsLab } from '../../lab/runtime/netns/lab.ts';
import { netNamespaceInode } from '../../lab/runtime/netns/sweep.ts';
import { registeredNow } from '../../lab/runtime/registry/run.ts';
import { skipReason, hostNetnsEntries, hostMountsMentioning, survivors, pidAlive } from './support.ts';

test('plan: routers before the gateway set the hop numbers, and no route leaves the lab range', () => {
  const plan = planTopology({ clients: 2, routersBeforeGateway: 2, origins: ['facebook.com', { name: 'control', sites: ['control.example.kz'] }] });
  assert.deepEqual(plan.clients, ['client1', 'client2']);
  assert.equal(hostPlan(plan, 'r1').hop, 1);
  assert.equal(hostPlan(plan, 'gw').hop, 3);
  assert.equal(hostPlan(plan, 'origin-facebook').hop, 4);
  assert.equal(plan.siteAddresses['control.example.kz'], hostPlan(plan, 'origin-control').interfaces[0]!.address);
  for (const h of plan.hosts) {
    for (const r of h.routes) assert.ok(routeStaysInLab(plan.range, r.destination), `${h.name}: ${r.destination}`);
    assert.equal(h.forwarding, h.role === 'router' || h.role === 'gateway', h.name);
  }
  // the gateway intercepts on the side facing r2, never on its origin side
  assert.deepEqual(plan.gatewayInside, [hostPlan(plan, 'gw').interfaces.find((i) => i.peerHost === 'r2')!.name]);
});

test('plan: rejects a public lab range and bad names', () => {
  assert.throws(() => planTopology({ origins: ['a.test'], labRange: '8.8.0.0/16' }), /not private/);
  assert.throws(() => planTopology({ origins: ['a.test'], labRange: '10.0.0.0/8' }), /\/16/);
  assert.throws(() => planTopology({ origins: [{ name: 'x', sites: ['bad name'] }] }), /host name/);
  assert.throws(() => planTopology({ origins: [] }), /at least one origin/);
});

test('topology up: packets cross 2 routers to the origin, names resolve, then down leaves nothing', { skip: skipReason }, async () => {
  const lab = await NetnsLab.up({ clients: 1, routersBeforeGateway: 2, origins: ['facebook.com', 'example.org'] });
  const inodes = Object.values(lab.holder.namespaces());
  const holderPid = lab.holder.pid;
  try {
    assert.equal(inodes.length, lab.plan.hosts.length);
    assert.ok(inodes.every((i) => i > 0 && i !== netNamespaceInode('self')), 'each host is its own namespace, none is the host\'s');
    assert.deepEqual(hostNetnsEntries(lab.holder.prefix), [], 'named namespaces exist only in the holder');
    const holderMounts = readFileSync(`/proc/${lab.holder.pid}/mountinfo`, 'utf8');
    for (const word of [' tlslab-run ', ' tlslab-etc ', `/run/netns/${lab.ns('gw')}`]) {
      assert.ok(holderMounts.includes(word), `holder mounts ${word}`);
      assert.deepEqual(hostMountsMentioning(word), [], `the host does not see ${word}`);
    }

    const resolved = await lab.run('client', ['getent', 'hosts', 'facebook.com']);
    assert.match(resolved.stdout, new RegExp(`^${lab.plan.siteAddresses['facebook.com']!.replaceAll('.', '\\.')}\\s+facebook\\.com`));

    for (const host of lab.plan.hosts) {
      const r = await lab.run(host.name, ['sysctl', '-n', 'net.ipv4.ip_forward']);
      assert.equal(r.stdout.trim(), host.forwarding ? '1' : '0', `ip_forward in ${host.name}`);
    }

    const origin = lab.address('origin-facebook');
    const server = lab.spawn('origin-facebook', ['python3', '-c', ECHO_PEER, origin, '8080']);
    await waitPort(lab, 'origin-facebook', `${origin}:8080`);
    const reply = await lab.run('client', ['python3', '-c', TTL_OF_REPLY, origin, '8080']);
    const [peer, ttl] = reply.stdout.trim().split(' ');
    assert.equal(peer, lab.address('client'), 'no NAT between client and origin');
    // origin -> gw -> r2 -> r1 -> client: three forwarding hops take 64 down to 61
    assert.equal(ttl, '61');
    server.kill();
  } finally {
    await lab.down();
  }
  assert.ok(!pidAlive(holderPid), 'holder ended');
  assert.deepEqual(survivors(inodes), []);
  assert.deepEqual(registeredNow().netns, [], 'the run record no longer names the lab');
  assert.ok(lab.timings.totalUpMs < 5000, `up took ${lab.timings.totalUpMs} ms`);
});

async function waitPort(lab: NetnsLab, host: string, addr: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const r = await lab.run(host, ['ss', '-Hlun'], { check: false });
    if (r.stdout.includes(addr)) return;
    await new Promise((res) => setTimeout(res, 30));
  }
  throw new Error(`nothing listening on ${addr} in ${host}`);
}

// answers each UDP datagram with the sender's address as the server saw it
const ECHO_PEER = `
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
while True:
    _, a = s.recvfrom(64); s.sendto(a[0].encode(), a)
`;

// prints what the server said and the IP TTL its reply arrived with (IP_RECVTTL = 12, IP_TTL = 2)
const TTL_OF_REPLY = `
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
s.setsockopt(socket.IPPROTO_IP, 12, 1)
s.sendto(b"who", (sys.argv[1], int(sys.argv[2])))
msg, anc, _, _ = s.recvmsg(256, socket.CMSG_SPACE(4))
ttl = next((int.from_bytes(d[:4], sys.byteorder) for lvl, typ, d in anc if typ == 2), None)
print(msg.decode(), ttl)
`;
