import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { isRoot, survivors, pidAlive } from './support.ts';

const NOBODY = 65534;
const userns = spawnSync('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', 'unshare', '-Urmn', 'true']).status === 0;
// a clone in a 0700 directory (mktemp -d) is closed to nobody: the check cannot start its Node there
const treeOpen = isRoot && spawnSync('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', 'test', '-r', 'node_modules/tsx/package.json']).status === 0;
const skip = !isRoot
  ? 'needs root to switch to an unprivileged user for this check'
  : !userns
    ? 'unprivileged user namespaces are not allowed here'
    : !treeOpen
      ? `an unprivileged user cannot read this checkout (${process.cwd()} or a directory above it is closed to others)`
      : false;

const STATE_DIR = '/tmp/tlslab-netns-rootless-test';

test('rootless: an unprivileged user gets the same sealed lab through a user namespace', { skip, timeout: 60_000 }, (t) => {
  t.after(() => rmSync(STATE_DIR, { recursive: true, force: true }));
  const r = spawnSync('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, '--import', 'tsx', 'test/netns/rootless-scenario.ts'], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent', TLSLAB_REGISTRY_DIR: STATE_DIR },
    timeout: 50_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { mode: string; uid: number; peer: string; client: string; redirectLoaded: boolean; resolved: string; inodes: number[]; holderPid: number };
  assert.equal(out.uid, NOBODY);
  assert.equal(out.mode, 'rootless');
  assert.equal(out.peer, out.client, 'TCP crossed the routers to the origin with no NAT');
  assert.ok(out.redirectLoaded, 'nft rules load inside the user namespace');
  assert.match(out.resolved, /^10\.203\.\d+\.\d+\s+example\.org$/);
  assert.ok(!pidAlive(out.holderPid));
  assert.deepEqual(survivors(out.inodes), []);
});
