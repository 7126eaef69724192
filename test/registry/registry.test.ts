/**
 * The run registry with real processes: a SIGKILLed lab process is cleaned up by its supervisor
 * alone; gc takes over records nobody is cleaning, never signals a recycled pid, never deletes
 * what is not a lab dir, and leaves live runs alone; sysctl holds are reference-counted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectGarbage } from '../../lab/runtime/registry/gc.ts';
import { processGroupMembers, processStartTicks, isSameProcess } from '../../lab/runtime/registry/proc.ts';
import { emptyRecord, readRecord, recordFile, writeRecord } from '../../lab/runtime/registry/record.ts';
import { firstLine, waitUntil } from './support.ts';

const isRoot = process.getuid?.() === 0;

function scratch(t: { after: (fn: () => void) => void }, name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `registry-test-${name}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('a SIGKILLed lab process: its supervisor ends its process group and removes its dirs and its record, without gc', { timeout: 30_000 }, async (t) => {
  const registry = scratch(t, 'reg');
  const owner = spawn(process.execPath, ['--import', 'tsx', 'test/registry/owner.ts'], { env: { ...process.env, TLSLAB_REGISTRY_DIR: registry }, stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => owner.kill('SIGKILL'));
  const info = await firstLine<{ recordFile: string; supervisorPid: number; group: number; dir: string }>(owner.stdout!);
  assert.ok(existsSync(info.recordFile) && existsSync(join(info.dir, 'engine-keys.log')));
  assert.equal(processGroupMembers(info.group).length, 2, 'the recorded group: a shell and its background child');

  owner.kill('SIGKILL');
  await waitUntil(() => processGroupMembers(info.group).length === 0, 'the recorded group to be killed');
  await waitUntil(() => !existsSync(info.dir) && readdirSync(registry).length === 0, 'the dir, the record and its log to go');
  await waitUntil(() => processGroupMembers(info.supervisorPid).length === 0, 'the supervisor to finish');
});

test('gc: takes over a dead run, kills only the processes whose start time matches, refuses non-lab dirs, leaves a live run alone', { timeout: 20_000 }, async (t) => {
  const registry = scratch(t, 'reg');
  const place = scratch(t, 'dirs');
  const victim = spawn('sleep', ['300'], { stdio: 'ignore' });
  // its pid is recorded with another start time: a recycled pid that now belongs to someone else
  const bystander = spawn('sleep', ['300'], { stdio: 'ignore' });
  t.after(() => {
    victim.kill('SIGKILL');
    bystander.kill('SIGKILL');
  });
  const labDir = join(place, 'tlslab-run-dead');
  mkdirSync(join(labDir, 'scenario'), { recursive: true });
  writeFileSync(join(labDir, 'scenario', 'engine-keys.log'), 'CLIENT_RANDOM 00 00\n');
  const notLab = join(place, 'photos');
  mkdirSync(notLab);

  const gone = spawnSync('true');
  const dead = emptyRecord('dead-run', { pid: gone.pid!, startTicks: 1, command: 'tlslab run' });
  dead.processes.push({ pid: victim.pid!, startTicks: processStartTicks(victim.pid!)!, group: false, what: 'curl' });
  dead.processes.push({ pid: bystander.pid!, startTicks: processStartTicks(bystander.pid!)! - 1, group: false, what: 'curl' });
  dead.dirs.push({ path: labDir, what: 'run dir' }, { path: notLab, what: 'a tampered record' });
  writeRecord(recordFile(registry, dead.runId), dead);
  const live = emptyRecord('live-run', { pid: process.pid, startTicks: processStartTicks(process.pid)!, command: 'this test' });
  live.dirs.push({ path: join(place, 'tlslab-run-live'), what: 'run dir' });
  writeRecord(recordFile(registry, live.runId), live);

  const report = await collectGarbage({ registry, supervisorWaitMs: 0 });
  const outcomes = Object.fromEntries(report.runs.map((r) => [r.runId, r]));
  assert.equal(outcomes['live-run']?.outcome, 'owner still running');
  const cleaned = outcomes['dead-run'];
  assert.ok(cleaned?.outcome === 'cleaned');
  assert.deepEqual(cleaned.report.processes.map((p) => p.signalled), [1, 0]);
  await waitUntil(() => !isSameProcess(victim.pid!, processStartTicks(victim.pid!) ?? -1), 'the recorded process to die');
  assert.ok(isSameProcess(bystander.pid!, processStartTicks(bystander.pid!)!), 'a pid with another start time is never signalled');
  assert.deepEqual(cleaned.report.dirs.map((d) => [d.path, d.keyLogs]), [[labDir, 1]]);
  assert.ok(!existsSync(labDir));
  assert.ok(existsSync(notLab), 'only tlslab-* dirs are ever removed');
  assert.match(cleaned.report.errors.join('\n'), /refusing to remove .*photos: not a lab dir/);
  assert.deepEqual(readRecord(recordFile(registry, 'dead-run'))?.dirs.map((d) => d.path), [notLab], 'what could not go stays recorded');
  assert.ok(existsSync(recordFile(registry, 'live-run')));
});

test('ip_forward held by overlapping runs goes back to its value before the first, after the last', { skip: !isRoot && 'needs root for a private network namespace', timeout: 20_000 }, (t) => {
  const holds = scratch(t, 'holds');
  const pendingRecord = join(scratch(t, 'reg'), 'a-record-still-waiting.json');
  writeFileSync(pendingRecord, '{}');
  // a network namespace of its own: the ip_forward turned here is not the host's
  const r = spawnSync('unshare', ['--net', '--mount', '--propagation', 'private', 'sh', '-c', 'mount -t sysfs sysfs /sys && exec "$0" --import tsx test/registry/sysctl-holders.ts "$1" "$2"', process.execPath, holds, pendingRecord], {
    encoding: 'utf8',
    timeout: 15_000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), {
    firstReleased: 'left as it is: still held by 1 run(s)',
    afterFirst: '1',
    secondReleased: 'restored to 0',
    afterSecond: '0',
    thirdReleased: 'left as it is: still held by 1 run(s)',
    afterThird: '1',
    deadReleasedByGc: 'restored to 0',
    afterDead: '0',
    fourthReleased: 'restored to 0',
    afterLost: '0',
    pending: '[]',
  });
});

test('gc: a dead run whose external container engine is gone (its socket removed) is cleared, not reported again on every run', { timeout: 20_000 }, async (t) => {
  const registry = scratch(t, 'reg');
  const gone = spawnSync('true');
  const dead = emptyRecord('engine-gone', { pid: gone.pid!, startTicks: 1, command: 'tlslab run --runtime containers' });
  dead.engines.push({ dockerHost: `unix://${join(scratch(t, 'engine'), 'podman.sock')}`, kind: 'external' });
  writeRecord(recordFile(registry, dead.runId), dead);
  const report = await collectGarbage({ registry, supervisorWaitMs: 0 });
  const cleaned = report.runs.find((r) => r.runId === 'engine-gone');
  assert.ok(cleaned?.outcome === 'cleaned');
  assert.deepEqual(cleaned.report.errors, []);
  assert.equal(readRecord(recordFile(registry, 'engine-gone')), undefined, 'the record is gone');
  assert.deepEqual((await collectGarbage({ registry, supervisorWaitMs: 0 })).runs, [], 'the next gc has nothing to say');
});
