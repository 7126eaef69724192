/** The containers runtime's pure parts: no podman needed. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { containersConf, storageConf } from '../../lab/runtime/containers/podman-config.ts';
import { podmanPaths } from '../../lab/runtime/containers/paths.ts';
import { inSubnet } from '../../lab/runtime/containers/networks.ts';
import { jsonLines } from '../../lab/runtime/containers/lab-container.ts';
import { ownerIsGone, ownerTag, runLabels, LAB_LABEL, OWNER_LABEL } from '../../lab/runtime/containers/labels.ts';
import { endpointFromDockerHost } from '../../lab/runtime/containers/engine-api.ts';
import { forwardRuleset } from '../../lab/runtime/containers/roles/gateway-rules.ts';
import { hostAtHop } from '../../lab/runtime/containers/path-localise.ts';
import { containerLauncher, CLIENT_PATH } from '../../lab/runtime/containers/client-launcher.ts';
import { clientMounts, LAB_TREE, resolveHostInterpreters, roleMounts } from '../../lab/runtime/containers/host-mounts.ts';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

test('podman config: runc, ulimits under the hard limit, lab-owned paths only', () => {
  const paths = podmanPaths({ TLSLAB_CONTAINERS_HOME: '/srv/lab home' });
  const conf = containersConf(paths);
  assert.match(conf, /runtime = "runc"/);
  assert.match(conf, /default_ulimits = \["nofile=20000:20000", "nproc=32768:32768"\]/);
  assert.match(conf, /network_config_dir = "\/srv\/lab home\/networks"/);
  assert.doesNotMatch(conf + storageConf(paths), /\/etc\//);
  // another home must not share run state: podman's database pins the run paths
  assert.notEqual(paths.runDir, podmanPaths({}).runDir);
});

test('inSubnet', () => {
  assert.equal(inSubnet('10.204.7.9', '10.204.7.0/24'), true);
  assert.equal(inSubnet('10.204.8.1', '10.204.7.0/24'), false);
  assert.equal(inSubnet('192.168.1.1', '0.0.0.0/0'), true);
});

test('jsonLines: JSON split across chunks is reassembled, other lines are kept apart', () => {
  const values: unknown[] = [];
  const others: string[] = [];
  const stream = new PassThrough();
  jsonLines((v) => values.push(v), (l) => others.push(l))(stream);
  stream.write('{"type":"ev');
  stream.write('ent","n":1}\nnode: warning\n{"type":"listening"}\n{"broken":\n');
  assert.deepEqual(values, [{ type: 'event', n: 1 }, { type: 'listening' }]);
  assert.deepEqual(others, ['node: warning', '{"broken":']);
});

test('labels: a run is owned by this process; a dead owner is recognised as gone', () => {
  const labels = runLabels('r1');
  assert.equal(labels[LAB_LABEL], 'containers');
  assert.equal(ownerIsGone(labels[OWNER_LABEL]), false);
  const exited = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  assert.equal(ownerIsGone(ownerTag(Number(exited.stdout.trim()))), true);
  // another host's process cannot be judged from here, so it is never reaped as stale
  assert.equal(ownerIsGone('some-other-host:1'), false);
});

test('DOCKER_HOST forms', () => {
  assert.deepEqual(endpointFromDockerHost('unix:///run/x/podman.sock'), { socketPath: '/run/x/podman.sock' });
  assert.deepEqual(endpointFromDockerHost('tcp://127.0.0.1:2375'), { host: '127.0.0.1', port: 2375 });
});

test('gateway forwarding: clients to the origins\' port and the answers, nothing else', () => {
  const rules = forwardRuleset('eth0', 'eth1', 443);
  assert.match(rules, /policy drop;/);
  assert.match(rules, /ct state established,related accept/);
  assert.match(rules, /iifname "eth0" oifname "eth1" tcp dport 443 accept/);
  // nothing from the origins' side may start a flow towards the clients
  assert.doesNotMatch(rules, /iifname "eth1"/);
});

test('TTL hops on containers: routers, then the gateway, then the origin', () => {
  assert.deepEqual([1, 2, 3, 4].map((hop) => hostAtHop({ routers: 1 }, hop)), ['r1', 'gw', 'origin', 'hop 4']);
  assert.deepEqual([1, 2].map((hop) => hostAtHop({ routers: 0 }, hop)), ['gw', 'origin']);
});

test('client launcher: the relay on the host with the request; a lab HOME and PATH unless the shim names them', () => {
  const launcher = containerLauncher({ agentSocket: '/tmp/tlslab-share-x/agent-1.sock', sharedDir: '/tmp/tlslab-share-x', home: '/w/home', where: 'lane 1' });
  assert.equal(launcher.resolvesSiteNames, true);
  assert.equal(launcher.sharedDir, '/tmp/tlslab-share-x');
  const argv = launcher.wrap(['/usr/bin/curl', '-v'], { LC_ALL: 'C', HOME: '/w/curl-home' });
  // the relay dies with the harness, and its death ends the process in the container
  assert.deepEqual(argv.slice(0, 4), ['setpriv', '--pdeathsig', 'KILL', '--']);
  assert.equal(argv.at(-2), '/tmp/tlslab-share-x/agent-1.sock');
  const request = JSON.parse(argv.at(-1)!) as { argv: string[]; env: Record<string, string> };
  assert.deepEqual(request.argv, ['/usr/bin/curl', '-v']);
  assert.deepEqual(request.env, { PATH: CLIENT_PATH, HOME: '/w/curl-home', LC_ALL: 'C' });
});

test('host mounts: the host\'s programs read-only; a client writes only where it is given; never the host\'s temp dir', async () => {
  await resolveHostInterpreters();
  const roles = roleMounts();
  assert.ok(roles.some((m) => m.target === '/usr' && m.mode === 'ro'));
  assert.ok(roles.every((m) => m.mode === 'ro'), 'a lab role writes nothing of the host');
  assert.ok(!roles.some((m) => m.source === '/etc'), 'not /etc as a whole: its trust store stays out');
  assert.ok(roles.some((m) => m.source === LAB_TREE));
  const work = mkdtempSync(join(tmpdir(), 'tlslab-mounts-'));
  try {
    const client = clientMounts([work]);
    assert.deepEqual(client.filter((m) => m.mode === 'rw').map((m) => m.target), [work]);
    assert.ok(!client.some((m) => m.source === tmpdir() || m.target === '/tmp' || m.source === realpathSync(tmpdir())), 'the temp dir holds the engine\'s API socket');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
