/**
 * A dead run's network namespaces. The holder's private mount namespace (and with it every named
 * lab namespace) dies with the holder; what can outlive it are processes still inside a namespace,
 * which keep it alive anonymously, forwarding. They are found by the namespaces' recorded inodes.
 */
import { endProcesses, processesInNamespaces, type NamespaceProcess } from '../netns/sweep.ts';
import type { RecordedNetns } from './record.ts';
import { isSameProcess } from './proc.ts';

export interface NetnsCleanReport {
  labId: string;
  holderEnded: boolean;
  processes: Array<NamespaceProcess & { killed: boolean }>;
}

export async function cleanNetns(entry: RecordedNetns, graceMs: number): Promise<NetnsCleanReport> {
  const holderAlive = isSameProcess(entry.holderPid, entry.holderStartTicks);
  if (holderAlive) await endProcesses([{ pid: entry.holderPid, inode: 0, command: 'netns holder' }], graceMs);
  const inodes = new Set(Object.values(entry.namespaces).filter((inode) => inode > 0));
  // inodes are reused once a namespace is gone: a process older than the holder is not the lab's
  const inside = processesInNamespaces(inodes, { startedAfterTicks: entry.holderStartTicks });
  const killed = new Set((await endProcesses(inside, graceMs)).map((p) => p.pid));
  return { labId: entry.labId, holderEnded: holderAlive, processes: inside.map((p) => ({ ...p, killed: killed.has(p.pid) })) };
}
