import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { skipReason, hostMountsMentioning, hostNetnsEntries, survivors, pidAlive } from './support.ts';
import { firstLine } from '../registry/support.ts';

interface ParentState {
  recordFile: string;
  runId: string;
  supervisorPid: number;
  holderPid: number;
  prefix: string;
  inodes: number[];
}

interface GcJson {
  runs: Array<{ runId: string; outcome: string; report?: { netns: Array<{ processes: Array<{ pid: number }> }> } }>;
}

function cleanedRuns(report: GcJson): string[] {
  return report.runs.filter((r) => r.outcome === 'cleaned').map((r) => r.runId);
}

test('gc after SIGKILL of the parent and its supervisor mid-scenario: no namespace, process, /etc/netns entry or mount remains', { skip: skipReason, timeout: 90_000 }, async () => {
  const registry = mkdtempSync(join(tmpdir(), 'tlslab-gc-test-'));
  const env = { ...process.env, TLSLAB_REGISTRY_DIR: registry };
  const parent = spawn(process.execPath, ['--import', 'tsx', 'test/netns/crashing-parent.ts'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const state = await firstLine<ParentState>(parent.stdout!, 45_000);
    assert.ok(existsSync(state.recordFile));
    assert.ok(survivors(state.inodes).length >= 2, 'the scenario had processes in lab namespaces');

    // with its supervisor gone too (its whole session), only gc is left to clean up
    process.kill(-state.supervisorPid, 'SIGKILL');
    parent.kill('SIGKILL');
    await new Promise((r) => parent.once('exit', r));
    await waitUntil(() => !pidAlive(state.holderPid) && !pidAlive(state.supervisorPid), 'holder to die with its parent');

    // parent-death signals took the direct children; the escaped daemon is still there
    let left: number[] = [];
    await waitUntil(() => (left = survivors(state.inodes)).length === 1, 'only the escaped daemon to remain in the lab namespaces');

    const gc = spawnSync(process.execPath, ['--import', 'tsx', 'test/netns/gc-cli.ts', 'gc', '--json', '--registry', registry], { env, encoding: 'utf8' });
    assert.equal(gc.status, 0, gc.stderr);
    const report = JSON.parse(gc.stdout) as GcJson;
    assert.deepEqual(cleanedRuns(report), [state.runId]);
    assert.deepEqual(report.runs[0]!.report!.netns.flatMap((n) => n.processes.map((p) => p.pid)), left);

    await waitUntil(() => survivors(state.inodes).length === 0, 'lab processes to be gone');
    assert.ok(!existsSync(state.recordFile), 'run record removed');
    assert.deepEqual(hostNetnsEntries(state.prefix), []);
    // the holder's mounts (tmpfs "tlslab-run", overlay "tlslab-etc", nsfs under /run/netns) never reach the host
    for (const word of [' tlslab-run ', ' tlslab-etc ', `/run/netns/${state.prefix}`]) assert.deepEqual(hostMountsMentioning(word), [], word);
    const lsns = spawnSync('lsns', ['-t', 'net', '-n', '-o', 'NS'], { encoding: 'utf8' });
    for (const inode of state.inodes) assert.ok(!lsns.stdout.split(/\s+/).includes(String(inode)), `netns ${inode} still has a process`);

    const again = spawnSync(process.execPath, ['--import', 'tsx', 'test/netns/gc-cli.ts', 'gc', '--json', '--registry', registry], { env, encoding: 'utf8' });
    assert.deepEqual((JSON.parse(again.stdout) as GcJson).runs, [], 'gc is idempotent');
  } finally {
    parent.kill('SIGKILL');
    rmSync(registry, { recursive: true, force: true });
  }
});

test('gc leaves a live run alone unless asked', { skip: skipReason, timeout: 90_000 }, async () => {
  const registry = mkdtempSync(join(tmpdir(), 'tlslab-gc-test-'));
  const env = { ...process.env, TLSLAB_REGISTRY_DIR: registry };
  const parent = spawn(process.execPath, ['--import', 'tsx', 'test/netns/crashing-parent.ts'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const state = await firstLine<ParentState>(parent.stdout!, 45_000);
    const gc = spawnSync(process.execPath, ['--import', 'tsx', 'test/netns/gc-cli.ts', 'gc', '--json', '--registry', registry], { env, encoding: 'utf8' });
    const report = JSON.parse(gc.stdout) as GcJson;
    assert.deepEqual(report.runs.map((r) => r.outcome), ['owner still running']);
    assert.ok(pidAlive(state.holderPid));
    const forced = spawnSync(process.execPath, ['--import', 'tsx', 'test/netns/gc-cli.ts', 'gc', '--json', '--include-live', '--registry', registry], { env, encoding: 'utf8' });
    assert.deepEqual(cleanedRuns(JSON.parse(forced.stdout) as GcJson), [state.runId]);
    await waitUntil(() => survivors(state.inodes).length === 0 && !pidAlive(state.holderPid), 'forced clean-up');
  } finally {
    parent.kill('SIGKILL');
    rmSync(registry, { recursive: true, force: true });
  }
});

async function waitUntil(cond: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
