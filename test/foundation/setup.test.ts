/**
 * scripts/setup.sh keeps package managers' output in a log: one line per step on the terminal,
 * and on a failure the log's tail and its path. npm and dpkg-query are stand-ins on PATH here
 * (the real ones would install things); the script itself is the real one, run by bash.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

function sandbox(npmExit: number): { dir: string; run: () => ReturnType<typeof spawnSync> } {
  const dir = mkdtempSync(join(tmpdir(), 'tlslab-test-setup-'));
  mkdirSync(join(dir, 'scripts'));
  mkdirSync(join(dir, 'bin'));
  copyFileSync(join(ROOT, 'scripts/setup.sh'), join(dir, 'scripts/setup.sh'));
  writeFileSync(join(dir, 'package-lock.json'), '{}');
  // an npm as chatty as the real one: 300 lines, then the exit code the case wants
  writeFileSync(join(dir, 'bin/npm'), `#!/bin/sh\nfor i in $(seq 1 300); do echo "npm line $i"; done\necho "npm error the last words" >&2\nexit ${npmExit}\n`);
  // every Debian package reads as installed, so only the npm step runs
  writeFileSync(join(dir, 'bin/dpkg-query'), `#!/bin/sh\nprintf 'install ok installed'\n`);
  chmodSync(join(dir, 'bin/npm'), 0o755);
  chmodSync(join(dir, 'bin/dpkg-query'), 0o755);
  const run = () => spawnSync('bash', [join(dir, 'scripts/setup.sh')], { encoding: 'utf8', env: { ...process.env, PATH: `${join(dir, 'bin')}:${process.env.PATH}`, TLSLAB_SETUP_LOG: '' } });
  return { dir, run };
}

test('setup: one line per step; the package manager\'s output goes to the log', (t) => {
  const { dir, run } = sandbox(0);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const r = run();
  assert.equal(r.status, 0, String(r.stderr));
  assert.equal(r.stdout, '');
  assert.match(String(r.stderr), /^setup: npm ci \(npm packages, then the build in dist\/\) … done \(\d+ s\)\n$/);
  const log = readFileSync(join(dir, '.tlslab/setup.log'), 'utf8');
  assert.match(log, /npm line 300\n/);
  assert.match(log, /npm error the last words/);
});

test('setup: a failed step prints the log\'s tail and path, and exits with its code', (t) => {
  const { dir, run } = sandbox(3);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const r = run();
  assert.equal(r.status, 3);
  const err = String(r.stderr);
  assert.match(err, /^setup: npm ci .* … failed \(exit 3\)\n/);
  assert.match(err, /npm error the last words/);
  assert.doesNotMatch(err, /npm line 200\n/, 'only the tail');
  assert.ok(err.includes(`setup: the whole log: ${join(dir, '.tlslab/setup.log')}`), err);
});
