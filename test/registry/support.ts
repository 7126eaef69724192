/** Shared bits of the registry and crash tests: bounded waits, first lines, and who is still there. */
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function waitUntil(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000, intervalMs = 50): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export function firstLine<T>(stream: NodeJS.ReadableStream, timeoutMs = 60_000): Promise<T> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`no line within ${timeoutMs} ms: ${buf}`)), timeoutMs);
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(JSON.parse(buf.slice(0, nl)) as T);
      }
    });
  });
}

/**
 * A private TMPDIR for a run under test, so that whatever is left in it is the run's. tsx keeps its
 * compile cache in $TMPDIR/tsx-<euid>: the shared one is linked in, or every Node the run starts
 * would compile the lab from scratch.
 */
export function privateTmp(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const cache = `tsx-${process.geteuid?.() ?? 0}`;
  if (existsSync(join(tmpdir(), cache))) symlinkSync(join(tmpdir(), cache), join(dir, cache));
  return dir;
}

export interface ProcessSeen {
  pid: number;
  startTicks: number;
  command: string;
}

function stat(pid: number): { state: string; ppid: number; startTicks: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: f[0]!, ppid: Number(f[1]), startTicks: Number(f[19]) };
  } catch {
    return undefined;
  }
}

function command(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** every live process that descends from `root` or whose command line mentions `marker` */
export function labProcesses(root: number, marker: string): ProcessSeen[] {
  const all = readdirSync('/proc').filter((e) => /^\d+$/.test(e)).map(Number);
  const stats = new Map(all.map((pid) => [pid, stat(pid)] as const));
  const inTree = (pid: number): boolean => {
    for (let p = pid, hops = 0; p > 1 && hops < 64; hops++) {
      if (p === root) return true;
      p = stats.get(p)?.ppid ?? 0;
    }
    return false;
  };
  return all
    .filter((pid) => pid !== process.pid && stats.get(pid) && stats.get(pid)!.state !== 'Z')
    .filter((pid) => inTree(pid) || command(pid).includes(marker))
    .map((pid) => ({ pid, startTicks: stats.get(pid)!.startTicks, command: command(pid).slice(0, 120) }));
}

/** those of `seen` that still run (same pid and start time) */
export function stillRunning(seen: readonly ProcessSeen[]): ProcessSeen[] {
  return seen.filter((p) => {
    const s = stat(p.pid);
    return s !== undefined && s.state !== 'Z' && s.startTicks === p.startTicks;
  });
}
