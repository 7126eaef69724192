/**
 * This process's run: the record every runtime and the harness register into (dirs, processes,
 * namespaces, container engines, sysctls) and forget on a clean teardown. The record is written
 * before the first thing it names exists, and a supervisor is started with it, so whatever this
 * process leaves behind, whichever way it ends, is removed by the supervisor or by `tlslab gc`.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { currentRunId } from './identity.ts';
import { registryDir } from './paths.ts';
import { isSameProcess, processStartTicks } from './proc.ts';
import { emptyRecord, ensureRegistryDir, isEmptyRecord, recordFile, removeRecord, writeRecord, type RecordedEngine, type RecordedNetns, type RecordedProcess, type RunRecord } from './record.ts';
import { startSupervisor } from './supervisor.ts';
import { holdSysctl, releaseSysctl } from './sysctl.ts';
import { isLabDirName, removeLabDir, type RemovedDir } from './dirs.ts';
import { cleanUpRecord, killRecordedProcesses, recordedProcessesLeft, type RunCleanReport } from './clean.ts';

interface OpenRun {
  file: string;
  record: RunRecord;
}

let open: OpenRun | undefined;
/** set once the process is shutting down: whatever starts after that is killed on arrival */
let closing = false;

function ensureOpen(): OpenRun {
  if (open) return open;
  const dir = registryDir();
  ensureRegistryDir(dir);
  const runId = currentRunId();
  const file = recordFile(dir, runId);
  const owner = { pid: process.pid, startTicks: processStartTicks(process.pid) ?? 0, command: process.argv.slice(1).join(' ').slice(0, 300) };
  const record = emptyRecord(runId, owner);
  writeRecord(file, record);
  const supervisor = startSupervisor(file);
  if (supervisor) record.supervisor = supervisor;
  writeRecord(file, record);
  process.on('exit', cleanUpAtExit);
  open = { file, record };
  return open;
}

function save(): void {
  if (open) writeRecord(open.file, open.record);
}

export function runRecordFile(): string {
  return ensureOpen().file;
}

/** a copy of what this process has registered now (tests, reports) */
export function registeredNow(): RunRecord {
  return structuredClone(ensureOpen().record);
}

/** A fresh tlslab-* temp dir (0700), recorded in the same tick it is created. */
export function createLabTempDir(prefix: string, what: string): string {
  if (!isLabDirName(prefix + 'x')) throw new Error(`lab temp dirs are named tlslab-*: ${prefix}`);
  const path = mkdtempSync(join(tmpdir(), prefix));
  registerDir(path, what);
  return path;
}

export function registerDir(path: string, what: string): void {
  const { record } = ensureOpen();
  if (!record.dirs.some((d) => d.path === path)) record.dirs.push({ path, what });
  save();
}

export function forgetDir(path: string): void {
  if (!open) return;
  open.record.dirs = open.record.dirs.filter((d) => d.path !== path);
  save();
}

/** removes a registered dir (key logs first) and forgets it */
export function removeRegisteredDir(path: string): RemovedDir | undefined {
  const removed = removeLabDir(path);
  forgetDir(path);
  return removed;
}

/**
 * Records a process (with `group`, the whole process group it leads). Register right after
 * spawning, in the same tick: the record must name it before anything can go wrong.
 */
export function registerProcess(pid: number, options: { group: boolean; what: string }): void {
  const { record } = ensureOpen();
  const entry: RecordedProcess = { pid, startTicks: processStartTicks(pid) ?? 0, group: options.group, what: options.what };
  record.processes.push(entry);
  save();
  if (closing) killRecordedProcesses([entry]);
}

/** Kills what is left of a registered process or group (checked against its recorded start) and forgets it. */
export function endRegisteredProcess(pid: number): void {
  const entries = open?.record.processes.filter((p) => p.pid === pid) ?? [];
  killRecordedProcesses(entries);
  forgetProcess(pid);
}

export function forgetProcess(pid: number): void {
  if (!open) return;
  open.record.processes = open.record.processes.filter((p) => p.pid !== pid);
  save();
}

export function registerNetns(entry: RecordedNetns): void {
  const { record } = ensureOpen();
  record.netns.push(structuredClone(entry));
  save();
}

export function updateNetnsNamespaces(labId: string, namespaces: Record<string, number>): void {
  const entry = open?.record.netns.find((n) => n.labId === labId);
  if (!entry) return;
  entry.namespaces = { ...namespaces };
  save();
}

export function forgetNetns(labId: string): void {
  if (!open) return;
  open.record.netns = open.record.netns.filter((n) => n.labId !== labId);
  save();
}

export function registerEngine(entry: RecordedEngine): void {
  const { record } = ensureOpen();
  record.engines.push({ ...entry });
  save();
}

export function forgetEngine(dockerHost: string): void {
  if (!open) return;
  open.record.engines = open.record.engines.filter((e) => e.dockerHost !== dockerHost);
  save();
}

/** Joins the holders of a sysctl this run is about to change (sysctl.ts). */
export async function holdRunSysctl(key: string): Promise<void> {
  const { record, file } = ensureOpen();
  // recorded first: a crash in between leaves a release with nothing to release, never a lost hold
  if (!record.sysctls.includes(key)) record.sysctls.push(key);
  save();
  await holdSysctl(key, { runId: record.runId, pid: record.owner.pid, startTicks: record.owner.startTicks, record: file });
}

export async function releaseRunSysctl(key: string): Promise<string> {
  if (!open?.record.sysctls.includes(key)) return 'not held';
  const outcome = await releaseSysctl(key, open.record.runId);
  open.record.sysctls = open.record.sysctls.filter((k) => k !== key);
  save();
  return outcome;
}

/** For signal handlers: SIGKILL every registered process now, and any started from here on. */
export function killRunProcesses(): void {
  closing = true;
  if (open) killRecordedProcesses(open.record.processes);
}

/** Removes whatever this process still has registered (the end of a run, or a signal). */
export async function closeRun(): Promise<RunCleanReport | undefined> {
  if (!open || isEmptyRecord(open.record)) return undefined;
  return cleanUpRecord(open.file, open.record);
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Last chance, synchronous: kill what is registered and remove the dirs. What needs async work
 * (namespaces, containers, sysctls) stays in the record for the supervisor, which starts as soon
 * as this process is gone.
 */
function cleanUpAtExit(): void {
  if (!open) return;
  const { record, file } = open;
  if (record.processes.length > 0) {
    killRecordedProcesses(record.processes);
    for (let waited = 0; recordedProcessesLeft(record.processes) > 0 && waited < 1_000; waited += 20) sleepSync(20);
    if (recordedProcessesLeft(record.processes) === 0) record.processes = [];
  }
  if (record.processes.length === 0) {
    record.dirs = record.dirs.filter((d) => {
      try {
        removeLabDir(d.path);
        return false;
      } catch {
        return true;
      }
    });
  }
  if (isEmptyRecord(record)) removeRecord(file);
  else writeRecord(file, record);
}

/** whether the process that owns a record is this one (gc leaves its own run alone) */
export function isOwnRun(runId: string): boolean {
  return runId === currentRunId();
}

export function ownerAlive(record: RunRecord): boolean {
  return isSameProcess(record.owner.pid, record.owner.startTicks);
}
