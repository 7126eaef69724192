/**
 * `--runtime containers` on an engine given in DOCKER_HOST, driven with the docker client: what a
 * CI service's Docker looks like to the lab. No Docker engine runs here, so the engine is a podman
 * service speaking Docker's API (started by this test, on empty storage of its own), and the lab
 * imports its image with `docker import` against it. The run starts no engine of its own, leaves
 * nothing labelled behind, and gives the grid loopback gives.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ScenarioResult } from '../../harness/runner/results.ts';
import { acquireContainerSession, listLabelled, shutdownContainerSession } from '../../lab/runtime/containers/index.ts';
import { findExecutable } from '../../lab/runtime/find-executable.ts';
import { probeContainerEngine } from '../../lab/runtime/containers/service.ts';
import { callEngineJson } from '../../lab/runtime/containers/engine-api.ts';

const CLI = fileURLToPath(new URL('../../bin/tlslab.js', import.meta.url));
const CLEAN = fileURLToPath(new URL('../../docker/clean.sh', import.meta.url));
const podman = process.env.DOCKER_HOST ? { available: false, reason: 'DOCKER_HOST is set already: this test brings its own engine' } : probeContainerEngine();
const skip = !podman.available ? podman.reason : findExecutable('docker') ? false : 'the docker client is not installed';

test('DOCKER_HOST and the docker client: the run uses the given engine, imports its image with docker, and passes', { skip, timeout: 300_000 }, async (t) => {
  // storage of its own, so the image import really happens (and other runs' storage is not touched)
  const home = mkdtempSync(join(tmpdir(), 'tlslab-docker-host-'));
  process.env.TLSLAB_CONTAINERS_HOME = home;
  const out = mkdtempSync(join(tmpdir(), 'tlslab-docker-host-out-'));
  try {
    const session = await acquireContainerSession({ prebuilt: 'not used by this process' });
    const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: session.engine.dockerHost, TLSLAB_CONTAINER_CLI: 'docker' };
    // what acquireContainerSession set for this process's testcontainers; the child must find its own way
    delete env.TESTCONTAINERS_HOST_OVERRIDE;
    delete env.TESTCONTAINERS_RYUK_DISABLED;
    const started = Date.now();
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, 'run', 'kz-2019-qaznet', '--runtime', 'containers', '--clients', 'curl,openssl', '--states', 'not-installed', '--reporter', 'json', '--out', out], { env, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.once('error', reject);
      child.once('close', (code) => resolve({ code, stderr }));
    });
    t.diagnostic(`run on DOCKER_HOST, image imported by docker, from empty storage: ${Date.now() - started} ms`);
    assert.equal(code, 0, stderr.slice(-1500));
    const result = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ScenarioResult;
    assert.equal(result.runtime, 'containers');
    assert.equal(result.rows.length, 10);
    assert.ok(result.rows.every((r) => r.skipped === undefined && r.pass), JSON.stringify(result.rows.filter((r) => !r.pass)));
    // the image came through the docker client, into the given engine's storage
    const images = await callEngineJson<{ RepoTags?: string[] }[]>(session.engine.endpoint, 'GET', '/images/json');
    assert.equal(images.flatMap((i) => i.RepoTags ?? []).filter((tag) => tag.startsWith('localhost/tlslab/base:')).length, 1);
    assert.deepEqual(await listLabelled(session.engine.endpoint), { containers: [], networks: [] });
  } finally {
    await shutdownContainerSession();
    delete process.env.TLSLAB_CONTAINERS_HOME;
    spawnSync('bash', [CLEAN], { env: { ...process.env, TLSLAB_CONTAINERS_HOME: home }, stdio: 'ignore', timeout: 120_000 });
    rmSync(home, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  }
});

const withSomeDockerHost = probeContainerEngine({ ...process.env, DOCKER_HOST: 'unix:///nowhere.sock' });
test('a DOCKER_HOST that does not answer: one line, exit 2, nothing started', { skip: withSomeDockerHost.available ? false : withSomeDockerHost.reason }, async () => {
  const dead = join(mkdtempSync(join(tmpdir(), 'tlslab-docker-host-dead-')), 'docker.sock');
  const r = spawnSync(process.execPath, [CLI, 'run', 'kz-2019-qaznet', '--runtime', 'containers', '--clients', 'curl'], { env: { ...process.env, DOCKER_HOST: `unix://${dead}` }, encoding: 'utf8', timeout: 60_000 });
  rmSync(dirname(dead), { recursive: true, force: true });
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /^tlslab: runtime containers cannot run here: DOCKER_HOST=unix:\/\/.*does not answer/);
});
