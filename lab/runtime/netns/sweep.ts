/**
 * Finds and ends the processes living in given network namespaces, by nsfs inode. This is what
 * makes clean-up safe against netns.md §9's trap: `ip netns del` with a process still inside
 * leaves the namespace alive and forwarding, anonymously.
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { processStartTicks } from '../registry/proc.ts';

export function netNamespaceInode(pid: number | 'self'): number | undefined {
  try {
    const m = /^net:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/ns/net`));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export interface NamespaceProcess {
  pid: number;
  inode: number;
  command: string;
}

export function processesInNamespaces(inodes: ReadonlySet<number>, options: { startedAfterTicks?: number } = {}): NamespaceProcess[] {
  const out: NamespaceProcess[] = [];
  if (inodes.size === 0) return out;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    const inode = netNamespaceInode(pid);
    if (inode === undefined || !inodes.has(inode)) continue;
    // inodes can be reused after a namespace dies; a process older than the run is not ours
    if (options.startedAfterTicks !== undefined && (processStartTicks(pid) ?? 0) < options.startedAfterTicks) continue;
    if (isZombie(pid)) continue;
    out.push({ pid, inode, command: readCommand(pid) });
  }
  return out;
}

/** SIGTERM, wait up to graceMs, SIGKILL the rest; returns the processes that needed SIGKILL */
export async function endProcesses(list: readonly NamespaceProcess[], graceMs = 1000): Promise<NamespaceProcess[]> {
  for (const p of list) signal(p.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  let alive = list.filter((p) => isAlive(p.pid));
  while (alive.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    alive = alive.filter((p) => isAlive(p.pid));
  }
  for (const p of alive) signal(p.pid, 'SIGKILL');
  return alive;
}

function readCommand(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    return '?';
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return true;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  return !isZombie(pid);
}
