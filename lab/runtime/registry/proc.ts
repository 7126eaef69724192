/**
 * What /proc says about a process. A pid alone is never enough to kill: pids are recycled, so every
 * process the lab records carries its start time (clock ticks since boot), and only the process with
 * both the same pid and the same start time is the one recorded.
 */
import { readFileSync, readdirSync } from 'node:fs';

interface Stat {
  state: string;
  pgid: number;
  startTicks: number;
}

function readStat(pid: number): Stat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may hold spaces and parentheses; everything after the last ')' is fixed
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0]!, pgid: Number(fields[2]), startTicks: Number(fields[19]) };
  } catch {
    return undefined;
  }
}

/** start time of a process in clock ticks since boot (field 22 of /proc/<pid>/stat) */
export function processStartTicks(pid: number): number | undefined {
  return readStat(pid)?.startTicks;
}

function running(stat: Stat | undefined): stat is Stat {
  return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
}

/** true while that very process runs (not a recycled pid, not a zombie waiting to be reaped) */
export function isSameProcess(pid: number, startTicks: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  const stat = readStat(pid);
  return running(stat) && stat.startTicks === startTicks;
}

export function processCommand(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    return '?';
  }
}

/** running processes (not zombies) whose process group is `pgid` */
export function processGroupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (running(stat) && stat.pgid === pgid) members.push(Number(entry));
  }
  return members;
}

/**
 * Whether killing process group `pgid` can only hit the group that was recorded: a group id stays
 * taken while any member lives, so the number can only have been recycled if a different process
 * now has it as its pid.
 */
export function isRecordedGroup(pgid: number, leaderStartTicks: number): boolean {
  if (!Number.isInteger(pgid) || pgid <= 1) return false;
  const leader = readStat(pgid);
  return !running(leader) || leader.startTicks === leaderStartTicks;
}

export function sendSignal(target: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(target, signal);
    return true;
  } catch {
    return false;
  }
}
