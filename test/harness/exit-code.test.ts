/**
 * An error no command expected ends the CLI process red even where `tlslab run` has installed the
 * engine's last-resort guard (it once turned such an error into "kept serving" and exit 0, with no
 * results written). The child runs outside node:test's context, where the guard really serves.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function runChild(body: string): { status: number | null; stderr: string } {
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  delete env.TLSLAB_ENGINE_BUGS;
  const script = `
    import { installLastResortGuard } from './lab/proxy/last-resort.ts';
    import { exitCodeOf } from './harness/exit-code.ts';
    installLastResortGuard();
    ${body}
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stderr: r.stderr };
}

test('an unexpected error in a command exits 70 with its stack, under the serving guard', () => {
  const { status, stderr } = runChild(`process.exit(await exitCodeOf(async () => { throw new Error('the lab broke here'); }));`);
  assert.equal(status, 70, stderr);
  assert.match(stderr, /internal error .*the lab broke here/);
  assert.doesNotMatch(stderr, /kept serving/);
});

test("a command's own exit code passes through", () => {
  assert.equal(runChild(`process.exit(await exitCodeOf(async () => 1));`).status, 1);
  assert.equal(runChild(`process.exit(await exitCodeOf(async () => 0));`).status, 0);
});
