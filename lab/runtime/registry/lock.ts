/**
 * A lock between processes: a file created exclusively, naming its holder. A holder that died
 * inside its (short, synchronous) critical section leaves a stale file, which the next taker
 * recognises by the recorded pid and start time and removes.
 */
import { openSync, closeSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { isSameProcess, processStartTicks } from './proc.ts';

const POLL_MS = 20;
const UNWRITTEN_LIMIT_MS = 2_000;

function holderIsGone(lockFile: string): boolean {
  let text: string;
  try {
    text = readFileSync(lockFile, 'utf8');
  } catch {
    return false; // released meanwhile: just try again
  }
  const [pid, ticks] = text.trim().split(' ').map(Number);
  if (!pid || ticks === undefined || Number.isNaN(ticks)) {
    // a file still being written names nobody yet; one that stayed empty lost its writer
    try {
      return Date.now() - statSync(lockFile).mtimeMs > UNWRITTEN_LIMIT_MS;
    } catch {
      return false;
    }
  }
  return !isSameProcess(pid, ticks);
}

export async function withFileLock<T>(lockFile: string, critical: () => T, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let fd: number | undefined;
    try {
      fd = openSync(lockFile, 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (fd !== undefined) {
      try {
        writeSync(fd, `${process.pid} ${processStartTicks(process.pid) ?? 0}\n`);
        closeSync(fd);
        return critical();
      } finally {
        rmSync(lockFile, { force: true });
      }
    }
    if (holderIsGone(lockFile)) {
      rmSync(lockFile, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`${lockFile} is held by a live process for more than ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
