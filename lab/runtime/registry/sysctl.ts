/**
 * Reference-counted sysctl changes. The first run that holds a sysctl records its value; later runs
 * only join. The value goes back when the last holder lets go, so overlapping runs leave the host as
 * it was before the first one started (each remembering its own "before" would restore the value
 * an earlier run had set).
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withFileLock } from './lock.ts';
import { isSameProcess } from './proc.ts';
import { sysctlHoldDir } from './paths.ts';

export interface SysctlHolder {
  runId: string;
  pid: number;
  startTicks: number;
  /** the holder's run record: while it exists, someone will release this hold */
  record: string;
}

interface Hold {
  key: string;
  before: string;
  holders: SysctlHolder[];
}

export const IP_FORWARD = 'net.ipv4.ip_forward';

/**
 * Why a value must not go back yet. netavark turns ip_forward on for any bridge and never off; a
 * bridge still up means some podman network still routes through this host.
 */
const RESTORE_GUARDS: Record<string, () => string | undefined> = {
  [IP_FORWARD]: () => {
    const bridges = existsSync('/sys/class/net') ? readdirSync('/sys/class/net').filter((n) => /^podman\d+$/.test(n)) : [];
    return bridges.length > 0 ? `netavark bridges still up (${bridges.join(', ')})` : undefined;
  },
};

function checkKey(key: string): void {
  if (!/^[a-z0-9_]+(\.[a-z0-9_]+)+$/.test(key)) throw new Error(`not a sysctl name: ${JSON.stringify(key)}`);
}

function procPath(key: string): string {
  return `/proc/sys/${key.replaceAll('.', '/')}`;
}

export function readSysctl(key: string): string | undefined {
  checkKey(key);
  try {
    return readFileSync(procPath(key), 'utf8').trim();
  } catch {
    return undefined;
  }
}

function holdFile(dir: string, key: string): string {
  return join(dir, `${key}.json`);
}

function readHold(file: string): Hold | undefined {
  try {
    const hold = JSON.parse(readFileSync(file, 'utf8')) as Partial<Hold>;
    return typeof hold.key === 'string' && typeof hold.before === 'string' && Array.isArray(hold.holders) ? (hold as Hold) : undefined;
  } catch {
    return undefined;
  }
}

function writeHold(file: string, hold: Hold): void {
  writeFileSync(file, JSON.stringify(hold, null, 1), { mode: 0o600 });
}

/** a holder nobody will ever release: its process is gone and so is its run record */
function isStale(holder: SysctlHolder): boolean {
  return !isSameProcess(holder.pid, holder.startTicks) && !existsSync(holder.record);
}

function locked<T>(dir: string, critical: () => T): Promise<T> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return withFileLock(join(dir, '.lock'), critical);
}

/** Joins the holders of `key`; the first holder records the value before. */
export function holdSysctl(key: string, holder: SysctlHolder, dir = sysctlHoldDir()): Promise<void> {
  checkKey(key);
  return locked(dir, () => {
    const file = holdFile(dir, key);
    const hold = readHold(file);
    if (hold) {
      if (!hold.holders.some((h) => h.runId === holder.runId)) hold.holders.push(holder);
      writeHold(file, hold);
      return;
    }
    const before = readSysctl(key);
    if (before === undefined) throw new Error(`cannot read ${procPath(key)}`);
    writeHold(file, { key, before, holders: [holder] });
  });
}

/** Restores the value when no holder is left; returns what happened, for reports. */
function settle(file: string, hold: Hold): string {
  if (hold.holders.length > 0) {
    writeHold(file, hold);
    return `left as it is: still held by ${hold.holders.length} run(s)`;
  }
  const now = readSysctl(hold.key);
  if (now === hold.before) {
    rmSync(file, { force: true });
    return `unchanged (${now}, as before)`;
  }
  const refusal = RESTORE_GUARDS[hold.key]?.();
  if (refusal) {
    writeHold(file, hold);
    return `left at ${now}: ${refusal}; gc restores ${hold.before} later`;
  }
  try {
    writeFileSync(procPath(hold.key), hold.before);
  } catch (err) {
    writeHold(file, hold);
    return `could not restore ${hold.before}: ${(err as Error).message}`;
  }
  rmSync(file, { force: true });
  return `restored to ${hold.before}`;
}

export function releaseSysctl(key: string, runId: string, dir = sysctlHoldDir()): Promise<string> {
  checkKey(key);
  return locked(dir, () => {
    const file = holdFile(dir, key);
    const hold = readHold(file);
    if (!hold) return 'not held';
    hold.holders = hold.holders.filter((h) => h.runId !== runId && !isStale(h));
    return settle(file, hold);
  });
}

/** Values whose holders are all gone but which could not go back then (gc retries them). */
export async function settlePendingSysctls(dir = sysctlHoldDir()): Promise<Array<{ key: string; outcome: string }>> {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  const out: Array<{ key: string; outcome: string }> = [];
  for (const name of names) {
    const outcome = await locked(dir, () => {
      const file = join(dir, name);
      const hold = readHold(file);
      if (!hold) return undefined;
      hold.holders = hold.holders.filter((h) => !isStale(h));
      return hold.holders.length === 0 ? settle(file, hold) : undefined;
    });
    if (outcome) out.push({ key: name.replace(/\.json$/, ''), outcome });
  }
  return out;
}
