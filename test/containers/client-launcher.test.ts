/**
 * The client containers' launcher, on a real container: what a shim starts through it gets its
 * stdin, gives back stdout, stderr and the exit code, sees only the environment it was given, and
 * never outlives its relay on the host (a killed relay, a timed-out client, a process that exits
 * and leaves children). Processes started in a container are host processes too, so the host's
 * /proc tells whether they are gone. Skipped, with the reason, where the runtime cannot run.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { StartedTestContainer } from 'testcontainers';
import { clientCommand, runClient } from '../../lab/clients/process.ts';
import type { ClientLauncher } from '../../lab/clients/types.ts';
import { acquireContainerSession, containersRuntime, shutdownContainerSession } from '../../lab/runtime/containers/index.ts';
import { createInternalNetwork, removeNetwork, type LabNetwork } from '../../lab/runtime/containers/networks.ts';
import { newRunId, runLabels } from '../../lab/runtime/containers/labels.ts';
import { startClientContainer } from '../../lab/runtime/containers/role-containers.ts';
import { containerLauncher } from '../../lab/runtime/containers/client-launcher.ts';
import { createLabTempDir, removeRegisteredDir } from '../../lab/runtime/registry/run.ts';

const availability = await containersRuntime.probe();
const skip = availability.available ? false : (availability.reason ?? 'containers runtime unavailable');

/** host pids whose command line holds `marker` (a client in a container is a host process too) */
function processesWith(marker: string): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

/** a sleep whose command line names this test only (sleep takes fractional seconds) */
function uniqueSleep(): string {
  return `1000.${BigInt(`0x${randomBytes(6).toString('hex')}`)}`;
}

/** stdout of argv started through the launcher with this environment (as a shim's clientCommand does) */
function through(argv: string[], env: Record<string, string>): Promise<string> {
  const command = clientCommand(argv, launcher!, env);
  return new Promise((resolve, reject) => {
    const child = spawn(command.file, command.args, { env: command.env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('close', () => resolve(out));
  });
}

let launcher: ClientLauncher | undefined;
let workDir = '';

if (!skip) {
  const session = await acquireContainerSession();
  const runId = newRunId();
  const labels = runLabels(runId);
  const network: LabNetwork = await createInternalNetwork(session.engine.endpoint, `tlslab-${runId}-launcher`, labels);
  const shared = createLabTempDir('tlslab-share-', 'launcher test shared dir');
  workDir = createLabTempDir('tlslab-launcher-test-', 'launcher test work dir');
  mkdirSync(join(workDir, 'home'));
  const socket = join(shared, 'agent-1.sock');
  // no DNS server: the network is internal and nothing here resolves names
  const container: StartedTestContainer = await startClientContainer({ runId, labels, image: session.build.image }, 1, network, '127.0.0.1', socket, [workDir, shared]);
  launcher = containerLauncher({ agentSocket: socket, sharedDir: shared, home: join(workDir, 'home'), where: 'the launcher test container' });
  after(async () => {
    await container.stop({ timeout: 0 });
    await removeNetwork(session.engine.endpoint, network);
    removeRegisteredDir(shared);
    removeRegisteredDir(workDir);
    await shutdownContainerSession();
  });
}

test('stdin in, stdout and stderr out, the exit code back', { skip }, async () => {
  const r = await runClient('/bin/sh', ['-c', 'cat; echo to-stderr >&2; exit 7'], { timeoutMs: 15_000, input: 'from-stdin\n', launcher: launcher! });
  assert.equal(r.stdout, 'from-stdin\n');
  assert.equal(r.stderr, 'to-stderr\n');
  assert.equal(r.exitCode, 7);
});

test('input arrives while stdin stays open (gnutls-cli keeps it open until the server closes)', { skip }, async () => {
  const r = await runClient('/usr/bin/head', ['-c', '5'], { timeoutMs: 15_000, input: 'hello world', keepStdinOpen: true, launcher: launcher! });
  assert.equal(r.timedOut, false);
  assert.equal(r.stdout, 'hello');
});

test('exactly the given environment, PATH and a lab HOME; nothing of the harness', { skip }, async () => {
  process.env.TLSLAB_LAUNCHER_TEST_LEAK = 'leaked';
  try {
    const out = await through(['/usr/bin/env'], { GIVEN: 'yes' });
    assert.doesNotMatch(out, /TLSLAB_LAUNCHER_TEST_LEAK/);
    assert.match(out, /^GIVEN=yes$/m);
    assert.match(out, /^PATH=\/usr\/local\/sbin:/m);
    assert.match(out, new RegExp(`^HOME=${join(workDir, 'home')}$`, 'm'));
    assert.match(out, /^LC_ALL=C$/m);
  } finally {
    delete process.env.TLSLAB_LAUNCHER_TEST_LEAK;
  }
});

test('a binary the container lacks: exit 127 with the reason', { skip }, async () => {
  const r = await runClient('/usr/bin/no-such-client', [], { timeoutMs: 15_000, launcher: launcher! });
  assert.equal(r.exitCode, 127);
  assert.match(r.stderr, /no-such-client: No such file or directory/);
});

test('a TMPDIR the harness names (Chromium\'s, on the host) exists for the process', { skip }, async () => {
  const tmp = `/tmp/tlslab-chromium-launcher-test-${randomBytes(4).toString('hex')}`;
  assert.equal(await through(['/bin/sh', '-c', 'test -d "$TMPDIR" && echo there'], { TMPDIR: tmp }), 'there\n');
});

test('a killed relay takes the process and everything it started in the container along', { skip }, async () => {
  const seconds = uniqueSleep();
  const command = clientCommand(['/bin/sh', '-c', `sleep ${seconds} & exec sleep ${seconds}`], launcher!);
  const relay = spawn(command.file, command.args, { env: command.env, stdio: 'ignore' });
  // the relay's own command line names them too
  const inContainer = () => processesWith(seconds).filter((pid) => pid !== relay.pid);
  assert.ok(await until(() => inContainer().length === 2, 10_000), `both sleeps should run in the container: ${inContainer().join(', ')}`);
  relay.kill('SIGKILL');
  assert.ok(await until(() => processesWith(seconds).length === 0, 5_000), `left running: ${processesWith(seconds).join(', ')}`);
});

test('a client that times out is gone from the container, not just from the host', { skip }, async () => {
  const seconds = uniqueSleep();
  const r = await runClient('/bin/sleep', [seconds], { timeoutMs: 1_000, launcher: launcher! });
  assert.equal(r.timedOut, true);
  assert.ok(await until(() => processesWith(seconds).length === 0, 5_000), `left running: ${processesWith(seconds).join(', ')}`);
});

test('a process that exits takes what it left running along (its group)', { skip }, async () => {
  const seconds = uniqueSleep();
  const r = await runClient('/bin/sh', ['-c', `sleep ${seconds} >/dev/null 2>&1 & echo started`], { timeoutMs: 15_000, launcher: launcher! });
  assert.equal(r.stdout, 'started\n');
  assert.ok(await until(() => processesWith(seconds).length === 0, 5_000), `left running: ${processesWith(seconds).join(', ')}`);
});
