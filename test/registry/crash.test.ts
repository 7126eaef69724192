/**
 * Crash tests through the real CLI, one per runtime: `tlslab run` is SIGKILLed mid-grid (both
 * browsers up), then `tlslab gc` runs. Afterwards no process of the run is alive, no namespace or
 * container or network of it exists, no lab temp dir (tlslab-*, nor the browsers' own) is
 * left, no run record, and ip_forward is as it was. Loopback and containers kill the run's
 * supervisor too, so gc alone must do the work; netns leaves it to the supervisor. A SIGINT during
 * a browser launch must leave nothing, without gc and without the supervisor.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readRecord, type RunRecord } from '../../lab/runtime/registry/record.ts';
import { processGroupMembers } from '../../lab/runtime/registry/proc.ts';
import { IP_FORWARD, readSysctl } from '../../lab/runtime/registry/sysctl.ts';
import type { RegistryGcReport } from '../../lab/runtime/registry/gc.ts';
import { processesInNamespaces } from '../../lab/runtime/netns/sweep.ts';
import { checkPrivileges } from '../../lab/runtime/netns/privileges.ts';
import { probeContainerEngine } from '../../lab/runtime/containers/service.ts';
import { podmanPaths } from '../../lab/runtime/containers/paths.ts';
import { chromiumShim } from '../../lab/clients/chromium.ts';
import { firefoxShim } from '../../lab/clients/firefox.ts';
import { firstLine, labProcesses, privateTmp, stillRunning, waitUntil, type ProcessSeen } from './support.ts';

const CLI = fileURLToPath(new URL('../../bin/tlslab.js', import.meta.url));
const SECOND_SESSION = fileURLToPath(new URL('./containers-session.ts', import.meta.url));
// the lab's own temp dirs, and what the browsers and Playwright would otherwise leave in $TMPDIR
const LAB_ENTRY = /^(tlslab-|org\.chromium\.|playwright-artifacts-|firefox-esr$)/;

const [chromium, firefox, netns] = await Promise.all([chromiumShim.probe(), firefoxShim.probe(), checkPrivileges()]);
const browsersMissing = !chromium.available ? chromium.reason : !firefox.available ? firefox.reason : undefined;
const containers = probeContainerEngine();

interface Run {
  harness: ChildProcess;
  base: string;
  tmp: string;
  registry: string;
  env: NodeJS.ProcessEnv;
  stderr(): string;
}

function startRun(t: TestContext, args: string[]): Run {
  const base = mkdtempSync(join(tmpdir(), 'crash-test-'));
  const tmp = privateTmp(join(base, 'tmp'));
  const registry = join(base, 'registry');
  // its own TMPDIR and registry: what is left is this run's, and other runs never touch it
  const env = { ...process.env, TMPDIR: tmp, TLSLAB_REGISTRY_DIR: registry, NO_COLOR: '1' };
  const harness = spawn(process.execPath, [CLI, 'run', 'kz-2019-qaznet', '--out', join(base, 'out'), ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  harness.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  t.after(() => {
    harness.kill('SIGKILL');
    rmSync(base, { recursive: true, force: true });
  });
  return { harness, base, tmp, registry, env, stderr: () => stderr.slice(-1500) };
}

function theRecord(run: Run): RunRecord | undefined {
  const files = existsSync(run.registry) ? readdirSync(run.registry).filter((f) => f.endsWith('.json')) : [];
  return files.length === 1 ? readRecord(join(run.registry, files[0]!)) : undefined;
}

function running(record: RunRecord, what: string): boolean {
  return record.processes.some((p) => p.what === what && processGroupMembers(p.pid).length > 0);
}

/** the run's record once both browsers are up: the grid is in full swing */
async function midGrid(run: Run, timeoutMs = 90_000): Promise<RunRecord> {
  let record: RunRecord | undefined;
  await waitUntil(
    () => {
      if (run.harness.exitCode !== null) throw new Error(`the run ended before its browsers started: ${run.stderr()}`);
      record = theRecord(run);
      return record !== undefined && running(record, 'chromium') && running(record, 'firefox');
    },
    'both browsers to run',
    timeoutMs,
    100,
  );
  return record!;
}

/** everything of the run that lives now, to check afterwards by pid and start time */
function snapshot(run: Run, record: RunRecord): ProcessSeen[] {
  const seen = new Map(labProcesses(run.harness.pid!, run.base).map((p) => [p.pid, p]));
  for (const pid of [record.supervisor?.pid, ...record.engines.map((e) => e.servicePid)]) {
    if (pid) for (const p of labProcesses(pid, run.base)) seen.set(p.pid, p);
  }
  return [...seen.values()];
}

async function kill(run: Run, record: RunRecord, options: { supervisor: boolean }): Promise<void> {
  // its whole session: the shell, and `cat` or the reaper
  if (options.supervisor && record.supervisor) process.kill(-record.supervisor.pid, 'SIGKILL');
  run.harness.kill('SIGKILL');
  await new Promise((resolve) => run.harness.once('exit', resolve));
}

function gc(run: Run): RegistryGcReport {
  const r = spawnSync(process.execPath, [CLI, 'gc', '--json'], { env: run.env, encoding: 'utf8', timeout: 90_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as RegistryGcReport;
}

async function assertNothingLeft(run: Run, seen: readonly ProcessSeen[]): Promise<void> {
  await waitUntil(() => stillRunning(seen).length === 0 && labProcesses(-1, run.base).length === 0, 'every process of the run to be gone', 10_000).catch(() => {
    assert.deepEqual([...stillRunning(seen), ...labProcesses(-1, run.base)], [], 'processes of the run still alive');
  });
  assert.deepEqual(readdirSync(run.tmp).filter((n) => LAB_ENTRY.test(n)), [], 'lab temp dirs left');
  assert.deepEqual(existsSync(run.registry) ? readdirSync(run.registry) : [], [], 'run records left');
}

test('loopback: SIGKILL of `tlslab run` and its supervisor mid-grid, then tlslab gc: nothing left', { skip: browsersMissing, timeout: 120_000 }, async (t) => {
  const run = startRun(t, ['--clients', 'chromium,firefox,curl']);
  const record = await midGrid(run);
  const seen = snapshot(run, record);
  t.diagnostic(`before the kill: ${seen.length} processes of the run`);
  await kill(run, record, { supervisor: true });

  const started = Date.now();
  const report = gc(run);
  t.diagnostic(`tlslab gc took ${Date.now() - started} ms (its own count: ${report.durationMs} ms)`);
  const mine = report.runs.find((r) => r.runId === record.runId);
  assert.ok(mine?.outcome === 'cleaned', JSON.stringify(report.runs));
  assert.deepEqual(mine.report.errors, []);
  assert.ok(mine.report.dirs.some((d) => /tlslab-run-/.test(d.path)), 'the run dir was removed by gc');
  await assertNothingLeft(run, seen);
});

test('netns: SIGKILL of `tlslab run` mid-grid, then tlslab gc: no process, namespace or dir left', { skip: browsersMissing ?? (netns.available ? false : netns.reason), timeout: 120_000 }, async (t) => {
  const run = startRun(t, ['--runtime', 'netns', '--clients', 'chromium,firefox,curl']);
  const record = await midGrid(run);
  const inodes = new Set(record.netns.flatMap((n) => Object.values(n.namespaces)).filter((i) => i > 0));
  assert.ok(processesInNamespaces(inodes).length > 0, 'the lab namespaces are in use');
  const seen = snapshot(run, record);
  await kill(run, record, { supervisor: false });

  const report = gc(run);
  // gc waits for the supervisor at work, or finds its work done
  const mine = report.runs.find((r) => r.runId === record.runId);
  assert.ok(mine === undefined || mine.outcome === 'cleaned by its supervisor', JSON.stringify(report.runs));
  await assertNothingLeft(run, seen);
  assert.deepEqual(processesInNamespaces(inodes), [], 'a namespace of the run still has processes');
});

function podmanOnLabStorage(args: string[]): string[] {
  const paths = podmanPaths();
  const env = { ...process.env, CONTAINERS_CONF: paths.containersConf, CONTAINERS_STORAGE_CONF: paths.storageConf };
  return spawnSync('podman', args, { env, encoding: 'utf8', timeout: 30_000 }).stdout.split('\n').filter(Boolean);
}

/** containers and networks of one registry run, asked of the lab's storage with podman itself */
function labelled(runId: string): string[] {
  const filter = `label=tlslab.registry-run=${runId}`;
  return [...podmanOnLabStorage(['ps', '-a', '-q', '--filter', filter]), ...podmanOnLabStorage(['network', 'ls', '-q', '--filter', filter])];
}

/** the roles of a registry run's containers (client per lane, router, gateway, dns, origins) */
function roles(runId: string): string[] {
  return podmanOnLabStorage(['ps', '-a', '--filter', `label=tlslab.registry-run=${runId}`, '--format', '{{index .Labels "tlslab.role"}}']).sort();
}

/** live processes whose command line names `marker` and that run in another network namespace than this one (inside a container) */
function inOtherNetns(marker: string): number[] {
  const ours = readlinkSync('/proc/self/ns/net');
  return readdirSync('/proc').filter((e) => /^\d+$/.test(e)).flatMap((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker) && readlinkSync(`/proc/${pid}/ns/net`) !== ours ? [Number(pid)] : [];
    } catch {
      return [];
    }
  });
}

test('containers: SIGKILL of `tlslab run` and its supervisor while another containers run overlaps, then tlslab gc: nothing left, ip_forward as before the first', { skip: browsersMissing ?? (containers.available ? false : containers.reason), timeout: 180_000 }, async (t) => {
  const before = readSysctl(IP_FORWARD);
  const run = startRun(t, ['--runtime', 'containers', '--clients', 'chromium,firefox,curl']);
  try {
    await crashAndCollect(t, run, before);
  } finally {
    // a failed check must not leave the crashed run's service and containers behind (startRun's
    // own clean-up removes its registry, and with it what gc would find)
    run.harness.kill('SIGKILL');
    spawnSync(process.execPath, [CLI, 'gc'], { env: run.env, stdio: 'ignore', timeout: 90_000 });
  }
});

async function crashAndCollect(t: TestContext, run: Run, before: string | undefined): Promise<void> {
  // the second run starts once the first one's networks have turned ip_forward on
  await waitUntil(() => theRecord(run)?.engines.length === 1 && readSysctl(IP_FORWARD) === '1', "the first run's networks", 120_000, 100);
  // everything of the second run lives apart, so that what is left of the first is told apart
  const apart = privateTmp(mkdtempSync(join(tmpdir(), 'crash-test-second-')));
  const secondRegistry = join(apart, 'registry');
  const second = spawn(process.execPath, ['--import', 'tsx', SECOND_SESSION], {
    env: { ...process.env, TLSLAB_REGISTRY_DIR: secondRegistry, TMPDIR: apart },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  t.after(async () => {
    // a failed check ends the test early: the second run still closes (a SIGKILL would leave its
    // podman service running, with its record removed with the dir below), and gc takes what is left
    if (second.exitCode === null && second.signalCode === null) {
      second.stdin!.end('close\n');
      const closed = await Promise.race([new Promise((resolve) => second.once('exit', () => resolve(true))), new Promise((resolve) => setTimeout(() => resolve(false), 30_000))]);
      if (!closed) second.kill('SIGKILL');
    }
    spawnSync(process.execPath, [CLI, 'gc'], { env: { ...process.env, TLSLAB_REGISTRY_DIR: secondRegistry, TMPDIR: apart }, stdio: 'ignore', timeout: 90_000 });
    rmSync(apart, { recursive: true, force: true });
  });
  const [record, other] = await Promise.all([midGrid(run, 120_000), firstLine<{ runId: string }>(second.stdout!)]);
  assert.ok(labelled(record.runId).length >= 3, 'the crashed run had containers and networks');
  // the browsers run inside the lanes' client containers, past a router; all of it must go
  const running = roles(record.runId);
  for (const role of ['client', 'router', 'gateway', 'dns', 'origin']) assert.ok(running.includes(role), `a ${role} container: ${running.join(', ')}`);
  assert.ok(inOtherNetns(run.tmp).length > 0, 'the browsers run inside a container');
  const seen = snapshot(run, record);
  await kill(run, record, { supervisor: true });

  const report = gc(run);
  const mine = report.runs.find((r) => r.runId === record.runId);
  assert.ok(mine?.outcome === 'cleaned', JSON.stringify(report.runs));
  assert.deepEqual(mine.report.errors, []);
  assert.ok(mine.report.engines[0]?.serviceStopped, 'its podman service was stopped');
  assert.deepEqual(mine.report.sysctls, [{ key: IP_FORWARD, outcome: 'left as it is: still held by 1 run(s)' }]);
  assert.equal(readSysctl(IP_FORWARD), '1', 'the overlapping run still needs forwarding');
  assert.deepEqual(labelled(record.runId), [], 'containers or networks of the crashed run left');
  await assertNothingLeft(run, seen);
  assert.deepEqual(inOtherNetns(run.tmp), [], 'processes the run started inside its containers');

  second.stdin!.end('close\n');
  await new Promise((resolve) => second.once('exit', resolve));
  assert.equal(second.exitCode, 0);
  assert.deepEqual(labelled(other.runId), []);
  assert.deepEqual(readdirSync(apart).filter((n) => LAB_ENTRY.test(n)), []);
  assert.deepEqual(existsSync(secondRegistry) ? readdirSync(secondRegistry) : [], []);
  assert.equal(readSysctl(IP_FORWARD), before, 'ip_forward as it was before the first run');
}

test('SIGINT during a browser launch: the run removes everything itself, without gc or its supervisor', { skip: chromium.available ? false : chromium.reason, timeout: 60_000 }, async (t) => {
  const run = startRun(t, ['--clients', 'chromium', '--states', 'not-installed', '--reporter', 'json']);
  let record: RunRecord | undefined;
  // mid-launch: Chromium has begun forking its helpers (zygotes, crash handlers) but needs a few
  // hundred ms more before its DevTools line; polled often to land in between
  const launching = (r: RunRecord | undefined) => r?.processes.some((p) => p.what === 'chromium' && processGroupMembers(p.pid).length >= 2) === true;
  await waitUntil(() => launching((record = theRecord(run))), 'chromium to be launching', 45_000, 5);
  const seen = snapshot(run, record!);
  run.harness.kill('SIGINT');
  await new Promise((resolve) => run.harness.once('exit', resolve));
  assert.equal(run.harness.exitCode, 130, run.stderr());
  assert.match(run.stderr(), /SIGINT: stopping the lab/);
  assert.deepEqual(existsSync(run.registry) ? readdirSync(run.registry) : [], [], 'the run left its record for someone else to clean');
  await assertNothingLeft(run, seen);
});
