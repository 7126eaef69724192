/**
 * The last-resort guard of the engine's hosts: it reports an uncaught exception or an unhandled
 * rejection and keeps the process serving, except under tests (NODE_TEST_CONTEXT) or with
 * TLSLAB_ENGINE_BUGS=fatal, where it exits 70 so that a bug can never pass unnoticed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { ENGINE_BUG_EXIT_CODE, engineBugMode } from '../../lab/proxy/index.ts';

const guard = new URL('../../lab/proxy/last-resort.ts', import.meta.url).href;

/** two bugs (a throw, then a rejection nobody handles), then a sign of life a few turns later */
const PROGRAM = `
import { installLastResortGuard, engineBugCount } from ${JSON.stringify(guard)};
installLastResortGuard();
setImmediate(() => {
  setImmediate(() => {
    Promise.reject(new Error('bug two'));
    setImmediate(() => setImmediate(() => console.log('still serving after ' + engineBugCount() + ' bugs')));
  });
  throw new Error('bug one');
});
`;

function runGuarded(env: NodeJS.ProcessEnv) {
  return spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', PROGRAM], { encoding: 'utf8', env, timeout: 30_000 });
}

test('serve mode: both bugs are reported on stderr and the process keeps running', { timeout: 60_000 }, () => {
  const r = runGuarded({ ...process.env, TLSLAB_ENGINE_BUGS: 'serve' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /still serving after 2 bugs/);
  assert.match(r.stderr, /engine bug #1 \(uncaught-exception\), kept serving: Error: bug one/);
  assert.match(r.stderr, /engine bug #2 \(unhandled-rejection\), kept serving: Error: bug two/);
});

test('under node:test (inherited NODE_TEST_CONTEXT) or TLSLAB_ENGINE_BUGS=fatal the first bug exits 70', { timeout: 60_000 }, () => {
  const { NODE_TEST_CONTEXT: inherited, TLSLAB_ENGINE_BUGS: _ignored, ...outside } = process.env;
  assert.ok(inherited, 'this test runs under node:test, which sets NODE_TEST_CONTEXT');
  for (const env of [{ ...outside, NODE_TEST_CONTEXT: inherited }, { ...outside, TLSLAB_ENGINE_BUGS: 'fatal' }]) {
    const r = runGuarded(env);
    assert.equal(r.status, ENGINE_BUG_EXIT_CODE, r.stderr);
    assert.match(r.stderr, /engine bug #1 \(uncaught-exception\).*bug one/);
    assert.doesNotMatch(r.stdout, /still serving/);
  }
});

test('mode: the explicit variable wins; otherwise fatal exactly under the test runner', () => {
  assert.equal(engineBugMode({}), 'serve');
  assert.equal(engineBugMode({ NODE_TEST_CONTEXT: 'child-v8' }), 'fatal');
  assert.equal(engineBugMode({ NODE_TEST_CONTEXT: 'child-v8', TLSLAB_ENGINE_BUGS: 'serve' }), 'serve');
  assert.equal(engineBugMode({ TLSLAB_ENGINE_BUGS: 'fatal' }), 'fatal');
  assert.equal(engineBugMode({ TLSLAB_ENGINE_BUGS: 'sometimes' }), 'serve');
});
