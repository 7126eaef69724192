/**
 * The launcher contract from the shims' side, on loopback with a recording launcher (env -i, as
 * the netns lab's is): every process a shim starts toward a site, the chain probe included, goes
 * through it with nothing of the harness's environment, and in-process shims refuse to run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCurlShim } from '../../lab/clients/curl.ts';
import { createWgetShim } from '../../lab/clients/wget.ts';
import { createNodeShim } from '../../lab/clients/node.ts';
import { createUndiciShim } from '../../lab/clients/undici.ts';
import { runClient } from '../../lab/clients/process.ts';
import type { ClientLauncher } from '../../lab/clients/types.ts';
import { connectVia, directTo, startTestLab, trustPublic, visitTarget } from './lab.ts';

function recordingLauncher(): ClientLauncher & { started: string[][] } {
  const started: string[][] = [];
  return {
    where: 'a recording launcher',
    started,
    wrap(argv, env) {
      started.push([...argv]);
      return ['env', '-i', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...argv];
    },
  };
}

test('runClient through a launcher: the binary the host resolved, the C locale, none of the harness environment', async () => {
  const launcher = recordingLauncher();
  process.env.TLSLAB_LAUNCHER_LEAK = 'leaked';
  try {
    const run = await runClient('sh', ['-c', 'env | sort'], { timeoutMs: 5_000, launcher });
    assert.deepEqual(run.stdout.trim().split('\n').filter((l) => !l.startsWith('PWD=')), ['LANG=C', 'LC_ALL=C']);
    assert.match(launcher.started[0]![0]!, /^\/.*\/sh$/);
  } finally {
    delete process.env.TLSLAB_LAUNCHER_LEAK;
  }
});

test('shims with a launcher: curl visits and wget\'s chain probe start through it; node and undici refuse to run', async () => {
  const lab = await startTestLab();
  try {
    const launcher = recordingLauncher();
    const curl = await createCurlShim().prepare(trustPublic(lab), lab.workDir('curl'), { launcher });
    const loaded = await curl.visit(visitTarget(directTo(lab.publicOrigin)));
    await curl.close();
    assert.equal(loaded.outcome, 'loaded', loaded.detail);

    // wget never prints a chain: the refusal's chain comes from the probe, which must go through the launcher too
    const wget = await createWgetShim().prepare(trustPublic(lab), lab.workDir('wget'), { launcher });
    const refused = await wget.visit(visitTarget(connectVia(lab.rogueProxy)));
    await wget.close();
    assert.equal(refused.outcome, 'refused');
    assert.equal(refused.chainSource, 'probe');
    assert.deepEqual(launcher.started.map((argv) => argv[0]!.split('/').pop()), ['curl', 'wget', 'openssl']);

    for (const shim of [createNodeShim(), createUndiciShim()]) {
      assert.match(String(shim.launcherSupport), /inside the harness process/);
      const session = await shim.prepare(trustPublic(lab), lab.workDir(shim.name), { launcher });
      const skipped = await session.visit(visitTarget(directTo(lab.publicOrigin)));
      assert.equal(skipped.outcome, 'skipped');
      assert.match(skipped.detail ?? '', /a recording launcher/);
    }
  } finally {
    await lab.close();
  }
});
