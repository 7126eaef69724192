import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

test('tlslab --help lists its commands and exits 0', () => {
  const r = spawnSync(process.execPath, ['bin/tlslab.js', '--help'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Usage: tlslab/);
});

test('an unknown command is a usage error: exit 2, no stack trace', () => {
  const r = spawnSync(process.execPath, ['bin/tlslab.js', 'no-such-command'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});
