/** Shared bits of the netns tests: the skip reason when this machine cannot seal a lab. */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { checkPrivileges } from '../../lab/runtime/netns/privileges.ts';
import { processesInNamespaces } from '../../lab/runtime/netns/sweep.ts';

const privileges = await checkPrivileges();

/** false when the lab can run here, else the reason every privileged test is skipped */
export const skipReason: string | false = privileges.available ? false : privileges.reason;

export const isRoot = process.getuid?.() === 0;

export function hostMountsMentioning(word: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(word));
}

export function hostNetnsEntries(prefix: string): string[] {
  const out: string[] = [];
  for (const dir of ['/run/netns', '/etc/netns']) {
    if (existsSync(dir)) out.push(...readdirSync(dir).filter((n) => n.startsWith(prefix)).map((n) => `${dir}/${n}`));
  }
  return out;
}

export function survivors(inodes: Iterable<number>): number[] {
  return processesInNamespaces(new Set([...inodes].filter((i) => i > 0))).map((p) => p.pid);
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}
