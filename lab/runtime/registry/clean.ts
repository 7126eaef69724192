/**
 * Removes everything a run record names, in the order that works: processes first (a live browser
 * would keep writing into the dirs), namespaces, containers and their engine, sysctls (their value
 * may go back only once the networks that needed it are gone), then dirs. The record shrinks as
 * each part is done, so a clean-up that is itself interrupted resumes where it stopped.
 */
import { isEmptyRecord, removeRecord, writeRecord, type RecordedProcess, type RunRecord } from './record.ts';
import { isRecordedGroup, isSameProcess, processGroupMembers, sendSignal } from './proc.ts';
import { releaseSysctl } from './sysctl.ts';
import { removeLabDir, type RemovedDir } from './dirs.ts';
import type { NetnsCleanReport } from './clean-netns.ts';
import type { EngineCleanReport } from './clean-containers.ts';

export interface RunCleanReport {
  runId: string;
  ownerPid: number;
  processes: Array<{ pid: number; what: string; group: boolean; signalled: number }>;
  netns: NetnsCleanReport[];
  engines: EngineCleanReport[];
  sysctls: Array<{ key: string; outcome: string }>;
  dirs: RemovedDir[];
  /** parts that could not be removed; the record keeps them for the next gc */
  errors: string[];
}

/** SIGKILL to each of these recorded processes and groups still there; how many were signalled, per entry */
export function killRecordedProcesses(processes: readonly RecordedProcess[]): RunCleanReport['processes'] {
  return processes.map((p) => {
    let signalled = 0;
    if (p.group) {
      if (isRecordedGroup(p.pid, p.startTicks)) {
        signalled = processGroupMembers(p.pid).length;
        if (signalled > 0) sendSignal(-p.pid, 'SIGKILL');
      }
    } else if (isSameProcess(p.pid, p.startTicks)) {
      signalled = sendSignal(p.pid, 'SIGKILL') ? 1 : 0;
    }
    return { pid: p.pid, what: p.what, group: p.group, signalled };
  });
}

export function recordedProcessesLeft(processes: readonly RecordedProcess[]): number {
  return processes.reduce((n, p) => {
    if (p.group) return n + (isRecordedGroup(p.pid, p.startTicks) ? processGroupMembers(p.pid).length : 0);
    return n + (isSameProcess(p.pid, p.startTicks) ? 1 : 0);
  }, 0);
}

async function until(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
  return true;
}

function message(err: unknown): string {
  return (err as Error)?.message?.split('\n')[0] ?? String(err);
}

export async function cleanUpRecord(file: string, record: RunRecord, options: { graceMs?: number } = {}): Promise<RunCleanReport> {
  const graceMs = options.graceMs ?? 2_000;
  const report: RunCleanReport = { runId: record.runId, ownerPid: record.owner.pid, processes: [], netns: [], engines: [], sysctls: [], dirs: [], errors: [] };
  const save = () => writeRecord(file, record);

  const processes = [...record.processes];
  report.processes = killRecordedProcesses(processes);
  if (await until(() => recordedProcessesLeft(processes) === 0, graceMs)) record.processes = record.processes.filter((p) => !processes.includes(p));
  else report.errors.push(`${recordedProcessesLeft(processes)} recorded processes still running after SIGKILL`);
  save();

  if (record.netns.length > 0) {
    const { cleanNetns } = await import('./clean-netns.ts');
    for (const entry of [...record.netns]) {
      try {
        report.netns.push(await cleanNetns(entry, graceMs));
        record.netns = record.netns.filter((n) => n !== entry);
      } catch (err) {
        report.errors.push(`netns ${entry.labId}: ${message(err)}`);
      }
    }
    save();
  }

  if (record.engines.length > 0) {
    const { cleanEngine } = await import('./clean-containers.ts');
    for (const entry of [...record.engines]) {
      try {
        report.engines.push(await cleanEngine(entry, record.runId));
        record.engines = record.engines.filter((e) => e !== entry);
      } catch (err) {
        report.errors.push(`containers on ${entry.dockerHost}: ${message(err)}`);
      }
    }
    save();
  }

  // a sysctl whose networks could not be removed must stay held
  if (record.engines.length === 0) {
    for (const key of [...record.sysctls]) {
      try {
        report.sysctls.push({ key, outcome: await releaseSysctl(key, record.runId) });
        record.sysctls = record.sysctls.filter((k) => k !== key);
      } catch (err) {
        report.errors.push(`sysctl ${key}: ${message(err)}`);
      }
    }
  }

  for (const dir of [...record.dirs]) {
    try {
      const removed = removeLabDir(dir.path);
      if (removed) report.dirs.push(removed);
      record.dirs = record.dirs.filter((d) => d !== dir);
    } catch (err) {
      report.errors.push(`dir ${dir.path}: ${message(err)}`);
    }
  }

  // the owner itself may have registered more meanwhile (a clean-up of its own run)
  if (report.errors.length === 0 && isEmptyRecord(record)) removeRecord(file);
  else save();
  return report;
}
