/**
 * Garbage collection over every run record: a run whose owner is gone is cleaned up, by its
 * supervisor if that is still at work (gc waits for it), otherwise here. Runs whose owner still
 * runs are left alone unless asked. Sysctls whose restore had to wait are retried.
 */
import { registryDir } from './paths.ts';
import { isSameProcess, sendSignal } from './proc.ts';
import { listRecords, readRecord, removeRecord, type RunRecord } from './record.ts';
import { cleanUpRecord, type RunCleanReport } from './clean.ts';
import { settlePendingSysctls } from './sysctl.ts';
import { isOwnRun, ownerAlive } from './run.ts';
import type { NamedLeftoversReport } from '../netns/gc.ts';

export interface GcOptions {
  registry?: string;
  /** host-level netns names a tool outside a holder may have left (lab/runtime/netns/gc.ts) */
  netnsPrefix?: string;
  /** also clean runs whose owner still runs (it loses its lab) */
  includeLive?: boolean;
  /** how long to let a dead run's supervisor finish before taking over; 0: leave such runs to it */
  supervisorWaitMs?: number;
}

export type RunOutcome =
  | { runId: string; ownerPid: number; outcome: 'cleaned'; report: RunCleanReport }
  | { runId: string; ownerPid: number; outcome: 'cleaned by its supervisor' | 'left to its supervisor' | 'owner still running' | 'unreadable record removed' };

export interface RegistryGcReport {
  runs: RunOutcome[];
  sysctls: Array<{ key: string; outcome: string }>;
  namedLeftovers: NamedLeftoversReport;
  durationMs: number;
}

function supervisorAlive(record: RunRecord): boolean {
  return record.supervisor !== undefined && isSameProcess(record.supervisor.pid, record.supervisor.startTicks);
}

async function waitForRemoval(file: string, record: RunRecord, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (readRecord(file) !== undefined) {
    if (!supervisorAlive(record) || Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

export async function collectGarbage(options: GcOptions = {}): Promise<RegistryGcReport> {
  const started = Date.now();
  const report: RegistryGcReport = { runs: [], sysctls: [], namedLeftovers: { processesEnded: [], hostNamespacesDeleted: [], etcDirsRemoved: [] }, durationMs: 0 };
  const waitMs = options.supervisorWaitMs ?? 30_000;
  for (const { file, record } of listRecords(options.registry ?? registryDir())) {
    if (!record) {
      removeRecord(file);
      report.runs.push({ runId: file, ownerPid: 0, outcome: 'unreadable record removed' });
      continue;
    }
    const who = { runId: record.runId, ownerPid: record.owner.pid };
    if (isOwnRun(record.runId)) continue;
    if (ownerAlive(record) && !options.includeLive) {
      report.runs.push({ ...who, outcome: 'owner still running' });
      continue;
    }
    if (supervisorAlive(record) && !ownerAlive(record)) {
      if (waitMs === 0) {
        report.runs.push({ ...who, outcome: 'left to its supervisor' });
        continue;
      }
      if (await waitForRemoval(file, record, waitMs)) {
        report.runs.push({ ...who, outcome: 'cleaned by its supervisor' });
        continue;
      }
    }
    // a dead run's supervisor that is still there is stuck: its whole session goes (sh and cat, or the reaper)
    if (record.supervisor && !ownerAlive(record) && supervisorAlive(record)) sendSignal(-record.supervisor.pid, 'SIGKILL');
    const current = readRecord(file);
    if (!current) {
      report.runs.push({ ...who, outcome: 'cleaned by its supervisor' });
      continue;
    }
    report.runs.push({ ...who, outcome: 'cleaned', report: await cleanUpRecord(file, current) });
  }
  report.sysctls = await settlePendingSysctls();
  const { sweepNamedLeftovers } = await import('../netns/gc.ts');
  report.namedLeftovers = await sweepNamedLeftovers(options.netnsPrefix);
  report.durationMs = Date.now() - started;
  return report;
}
