/** The long-lived JVM: one process answers many visits, and a hung origin does not break it. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { createJavaShim } from '../../lab/clients/java.ts';
import { startConnectProxy } from './servers.ts';
import { connectVia, startSilentServer, startTestLab, trustPublic, visitTarget, type TestLab } from './lab.ts';

function javaChildren(): string {
  return execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' })
    .split('\n').filter((line) => /java/.test(line)).join('\n');
}

describe('java session', { timeout: 60_000 }, () => {
  let lab: TestLab;
  let silent: Awaited<ReturnType<typeof startSilentServer>>;
  let silentProxy: Awaited<ReturnType<typeof startConnectProxy>>;
  before(async () => {
    lab = await startTestLab();
    silent = await startSilentServer();
    silentProxy = await startConnectProxy(silent.port);
  });
  after(async () => {
    await silentProxy.close();
    silent.close();
    await lab.close();
  });

  it('answers a hung origin with its own timeout exception, then keeps serving from the same JVM', async () => {
    const session = await createJavaShim().prepare(trustPublic(lab), lab.workDir('java'));
    try {
      const first = await session.visit(visitTarget(connectVia(lab.publicProxy)));
      assert.equal(first.outcome, 'loaded', first.detail);
      const jvmBefore = javaChildren();
      const hung = await session.visit(visitTarget(connectVia(silentProxy), 1_500));
      assert.equal(hung.outcome, 'refused');
      assert.match(hung.error ?? '', /^Http(Connect)?TimeoutException/);
      const again = await session.visit(visitTarget(connectVia(lab.publicProxy)));
      assert.equal(again.outcome, 'loaded', again.detail);
      assert.ok(again.durationMs < first.durationMs, `a warm JVM visit (${again.durationMs} ms) beats the first (${first.durationMs} ms)`);
      assert.equal(javaChildren(), jvmBefore, 'still the same single JVM');
    } finally {
      await session.close();
    }
    assert.equal(javaChildren(), '', 'close() ends the JVM');
  });
});
