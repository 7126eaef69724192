/**
 * Run records on disk: what `tlslab gc` needs to find the leftovers of a run whose owner died
 * (the holder's identity and the inode of every lab network namespace).
 */
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RunState {
  runId: string;
  prefix: string;
  mode: 'root' | 'rootless';
  holderPid: number;
  /** /proc/<pid>/stat start time, so a recycled PID is never mistaken for the holder */
  holderStartTicks: number;
  ownerPid: number;
  startedAt: number;
  /** namespace name -> nsfs inode (0 until created) */
  namespaces: Record<string, number>;
}

export function defaultStateDir(): string {
  return process.env.TLSLAB_NETNS_STATE_DIR ?? join(tmpdir(), `tlslab-netns-${process.getuid?.() ?? 'user'}`);
}

export function writeRunState(file: string, state: RunState): void {
  mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 2));
  renameSync(tmp, file);
}

export function removeRunState(file: string): void {
  rmSync(file, { force: true });
}

export function listRunStates(dir: string, prefix: string): Array<{ file: string; state: RunState }> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: Array<{ file: string; state: RunState }> = [];
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.json')) continue;
    const file = join(dir, name);
    try {
      out.push({ file, state: JSON.parse(readFileSync(file, 'utf8')) as RunState });
    } catch {
      // a half-written record still names a run to clean; the file itself is removed by gc
      out.push({ file, state: { runId: '', prefix, mode: 'root', holderPid: 0, holderStartTicks: 0, ownerPid: 0, startedAt: 0, namespaces: {} } });
    }
  }
  return out;
}

/** start time of a process in clock ticks since boot (field 22 of /proc/<pid>/stat) */
export function processStartTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[19]);
  } catch {
    return undefined;
  }
}

/** true while that very process runs (not a recycled PID, not a zombie waiting to be reaped) */
export function isSameProcess(pid: number, startTicks: number): boolean {
  if (pid <= 0) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] !== 'Z' && fields[0] !== 'X' && Number(fields[19]) === startTicks;
  } catch {
    return false;
  }
}
