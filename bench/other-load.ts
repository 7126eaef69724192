/**
 * How much of the machine processes outside this bench used during a window. The bench shares two
 * cores with whatever else runs (other engineers' test suites), which moves every ratio; this
 * makes a disturbed row visible instead of silently wrong.
 */
import { readdirSync, readFileSync } from 'node:fs';

interface CpuSample {
  /** all jiffies, idle included */
  total: number;
  busy: number;
  /** this process and its descendants, reaped children included */
  ours: number;
}

function readMachine(): { total: number; busy: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { total, busy: total - idle };
}

function readOurTree(): number {
  const parentOf = new Map<number, number>();
  const jiffiesOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // the command name may hold spaces and parentheses; fields resume after the last ')'
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parentOf.set(Number(entry), Number(rest[1]));
      jiffiesOf.set(Number(entry), Number(rest[11]) + Number(rest[12]) + Number(rest[13]) + Number(rest[14]));
    } catch {
      // exited while we looked
    }
  }
  let sum = 0;
  for (const [pid, jiffies] of jiffiesOf) {
    // peers lead their own process groups but stay our descendants
    for (let p: number | undefined = pid; p && p > 1; p = parentOf.get(p)) {
      if (p === process.pid) {
        sum += jiffies;
        break;
      }
    }
  }
  return sum;
}

export function sampleCpu(): CpuSample {
  return { ...readMachine(), ours: readOurTree() };
}

/** Share of all CPU time (0..1) between the samples that went to processes outside the bench. */
export function otherShare(before: CpuSample, after: CpuSample): number {
  const total = after.total - before.total;
  if (total <= 0) return 0;
  return Math.max(0, after.busy - before.busy - (after.ours - before.ours)) / total;
}
