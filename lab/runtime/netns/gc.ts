/**
 * Garbage collection after an interrupted run (netns.md §9 and its appendix). Holder-mode runs
 * leave at most processes that escaped their parent-death signal, found through the namespace
 * inodes recorded in the run's state file. Named leftovers on the host (/run/netns/<prefix>*,
 * /etc/netns/<prefix>*, from a tool that worked outside a holder) are removed by prefix.
 */
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { DEFAULT_PREFIX } from './holder.ts';
import { defaultStateDir, isSameProcess, listRunStates, removeRunState } from './state.ts';
import { endProcesses, processesInNamespaces, type NamespaceProcess } from './sweep.ts';
import { runCommand } from './process.ts';

export interface GcOptions {
  prefix?: string;
  stateDir?: string;
  /** also clean runs whose holder is still alive (their owner is running right now) */
  includeLive?: boolean;
  graceMs?: number;
}

export interface GcReport {
  runsCleaned: string[];
  runsSkippedAlive: string[];
  processesEnded: Array<NamespaceProcess & { killed: boolean }>;
  hostNamespacesDeleted: string[];
  etcDirsRemoved: string[];
}

export async function collectGarbage(options: GcOptions = {}): Promise<GcReport> {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  if (!/^[A-Za-z0-9_.-]+$/.test(prefix) || prefix.length < 2) throw new Error(`refusing an over-broad gc prefix ${JSON.stringify(prefix)}`);
  const report: GcReport = { runsCleaned: [], runsSkippedAlive: [], processesEnded: [], hostNamespacesDeleted: [], etcDirsRemoved: [] };
  const graceMs = options.graceMs ?? 2000;

  for (const { file, state } of listRunStates(options.stateDir ?? defaultStateDir(), prefix)) {
    const holderAlive = isSameProcess(state.holderPid, state.holderStartTicks);
    if (holderAlive && !options.includeLive) {
      report.runsSkippedAlive.push(state.runId);
      continue;
    }
    if (holderAlive) await endProcesses([{ pid: state.holderPid, inode: 0, command: 'holder' }], graceMs);
    const inodes = new Set(Object.values(state.namespaces).filter((i) => i > 0));
    await endAll(processesInNamespaces(inodes, { startedAfterTicks: state.holderStartTicks }), graceMs, report);
    removeRunState(file);
    report.runsCleaned.push(state.runId || file);
  }

  const hostNamespaces = listHostNamespaces(prefix);
  if (hostNamespaces.length > 0) {
    const inodes = new Set(hostNamespaces.map((n) => n.inode));
    await endAll(processesInNamespaces(inodes), graceMs, report);
    for (const n of hostNamespaces) {
      const r = await runCommand(['ip', 'netns', 'del', n.name]);
      if (r.code === 0) report.hostNamespacesDeleted.push(n.name);
    }
  }
  if (existsSync('/etc/netns')) {
    for (const name of readdirSync('/etc/netns').filter((n) => n.startsWith(prefix))) {
      rmSync(`/etc/netns/${name}`, { recursive: true, force: true });
      report.etcDirsRemoved.push(name);
    }
  }
  return report;
}

async function endAll(list: NamespaceProcess[], graceMs: number, report: GcReport): Promise<void> {
  const killed = new Set((await endProcesses(list, graceMs)).map((p) => p.pid));
  for (const p of list) report.processesEnded.push({ ...p, killed: killed.has(p.pid) });
}

function listHostNamespaces(prefix: string): Array<{ name: string; inode: number }> {
  if (!existsSync('/run/netns')) return [];
  const out: Array<{ name: string; inode: number }> = [];
  for (const name of readdirSync('/run/netns').filter((n) => n.startsWith(prefix))) {
    try {
      out.push({ name, inode: statSync(`/run/netns/${name}`).ino });
    } catch {
      // an entry that is no longer a mount; ip netns del still removes it
      out.push({ name, inode: 0 });
    }
  }
  return out;
}
