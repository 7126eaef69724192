import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { isRoot } from './support.ts';

// a stand-in for the host's /run/netns and /etc/netns, inside a private mount namespace, so the
// test never creates anything on the real host
const SCRIPT = `
set -e
mount -t tmpfs gc-test-run /run
mkdir -p /run/netns /run/gc-etc/upper /run/gc-etc/work
mount -t overlay gc-test-etc -o lowerdir=/etc,upperdir=/run/gc-etc/upper,workdir=/run/gc-etc/work /etc
ip netns add tlslab-ns-zz-left
ip netns add other-tool-ns
ip netns add tlslab-containers-like
mkdir -p /etc/netns/tlslab-ns-zz-left /etc/netns/other-tool-ns
ip netns exec tlslab-ns-zz-left sleep 30 &
sleep 0.3
"$NODE" --import tsx test/netns/gc-cli.ts gc --json --registry /nonexistent-tlslab-registry
wait
echo "netns: $(ip netns list | cut -d' ' -f1 | tr '\\n' ' ')"
echo "etc: $(ls /etc/netns | tr '\\n' ' ')"
ip netns del other-tool-ns
ip netns del tlslab-containers-like
`;

test('gc by prefix: removes named leftovers of a run outside a holder, after ending their processes, and nothing else', { skip: !isRoot && 'needs root for a private mount namespace', timeout: 30_000 }, () => {
  const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', SCRIPT], {
    encoding: 'utf8',
    env: { ...process.env, NODE: process.execPath },
    timeout: 25_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const json = r.stdout.slice(r.stdout.indexOf('{'), r.stdout.lastIndexOf('}') + 1);
  const report = (JSON.parse(json) as { namedLeftovers: { hostNamespacesDeleted: string[]; etcDirsRemoved: string[]; processesEnded: Array<{ command: string }> } }).namedLeftovers;
  assert.deepEqual(report.hostNamespacesDeleted, ['tlslab-ns-zz-left']);
  assert.deepEqual(report.etcDirsRemoved, ['tlslab-ns-zz-left']);
  assert.deepEqual(report.processesEnded.map((p) => p.command), ['sleep 30']);
  assert.match(r.stdout, /^netns: (other-tool-ns tlslab-containers-like|tlslab-containers-like other-tool-ns) $/m, 'other tools\' namespaces, the containers runtime\'s included, stay');
  assert.match(r.stdout, /^etc: other-tool-ns $/m);
});
