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
