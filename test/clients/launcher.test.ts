/**
 * The launcher contract from the shims' side, on loopback with a recording launcher (env -i, as
 * the netns lab's is): every process a shim starts toward a site, the chain probe included, goes
 * through it with nothing of the harness's environment, node and undici included (a child Node
 * per visit, whose verdict must equal the in-process one).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCurlShim } from '../../lab/clients/curl.ts';
import { createWgetShim } from '../../lab/clients/wget.ts';
import { createNodeShim } from '../../lab/clients/node.ts';
import { createUndiciShim } from '../../lab/clients/undici.ts';
import { runClient } from '../../lab/clients/process.ts';
import type { ClientLauncher, Observation, Route } from '../../lab/clients/types.ts';
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

test('shims with a launcher: curl visits and wget\'s chain probe start through it', async () => {
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
  } finally {
    await lab.close();
  }
});

/** what a verdict says, without the timing that differs between runs */
function verdict(observation: Observation): Omit<Observation, 'durationMs'> {
  const { durationMs: _durationMs, ...rest } = observation;
  return rest;
}

test('node and undici with a launcher: one child Node per visit through it, the same verdicts as in process', { timeout: 60_000 }, async () => {
  const lab = await startTestLab();
  try {
    const cases: Array<{ label: string; pins?: string[]; route: () => Route }> = [
      { label: 'trusted chain', route: () => directTo(lab.publicOrigin) },
      // node refuses before its identity check: the chain comes from the probe, through the launcher too
      { label: 'rogue chain', route: () => connectVia(lab.rogueProxy) },
      // the verified chain is captured in the child and must cross over in the verdict line
      { label: 'pin mismatch', pins: ['AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='], route: () => directTo(lab.publicOrigin) },
    ];
    await Promise.all([createNodeShim(), createUndiciShim()].map(async (shim) => {
      assert.equal(shim.launcherSupport, true);
      for (const { label, pins, route } of cases) {
        const launcher = recordingLauncher();
        const inLab = await shim.prepare(trustPublic(lab, pins), lab.workDir(shim.name), { launcher });
        const host = await shim.prepare(trustPublic(lab, pins), lab.workDir(shim.name));
        const [launched, inProcess] = [await inLab.visit(visitTarget(route())), await host.visit(visitTarget(route()))];
        await Promise.all([inLab.close(), host.close()]);
        assert.deepEqual(verdict(launched), verdict(inProcess), `${shim.name}, ${label}`);
        assert.ok(launched.chain, `${shim.name}, ${label}: a chain`);
        assert.equal(launcher.started[0]![0], process.execPath, `${shim.name}, ${label}`);
        assert.match(launcher.started[0]!.join(' '), /node-visit-main\.ts/);
        const probed = launched.chainSource === 'probe' ? ['openssl'] : [];
        assert.deepEqual(launcher.started.slice(1).map((argv) => argv[0]!.split('/').pop()), probed, `${shim.name}, ${label}`);
      }
    }));
  } finally {
    await lab.close();
  }
});
