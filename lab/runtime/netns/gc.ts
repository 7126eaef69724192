/**
 * Named leftovers on the host (netns.md §9 and its appendix): /run/netns/<prefix>* and
 * /etc/netns/<prefix>* from a tool that worked outside a holder. A holder keeps both in its private
 * mount namespace, so runs of this lab leave none; their processes are found through the run
 * registry (lab/runtime/registry). Processes inside such a namespace are ended before `ip netns
 * del`: deleting the name of a namespace that still has a process leaves it alive, anonymously.
 */
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { DEFAULT_PREFIX } from './holder.ts';
import { endProcesses, processesInNamespaces, type NamespaceProcess } from './sweep.ts';
import { runCommand } from './process.ts';

export interface NamedLeftoversReport {
  processesEnded: Array<NamespaceProcess & { killed: boolean }>;
  hostNamespacesDeleted: string[];
  etcDirsRemoved: string[];
}

export function checkPrefix(prefix: string): void {
  if (!/^[A-Za-z0-9_.-]+$/.test(prefix) || prefix.length < 2) throw new Error(`refusing an over-broad gc prefix ${JSON.stringify(prefix)}`);
}

export async function sweepNamedLeftovers(prefix = DEFAULT_PREFIX, graceMs = 2000): Promise<NamedLeftoversReport> {
  checkPrefix(prefix);
  const report: NamedLeftoversReport = { processesEnded: [], hostNamespacesDeleted: [], etcDirsRemoved: [] };
  const hostNamespaces = listHostNamespaces(prefix);
  if (hostNamespaces.length > 0) {
    const inside = processesInNamespaces(new Set(hostNamespaces.map((n) => n.inode)));
    const killed = new Set((await endProcesses(inside, graceMs)).map((p) => p.pid));
    report.processesEnded.push(...inside.map((p) => ({ ...p, killed: killed.has(p.pid) })));
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
