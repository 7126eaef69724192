/**
 * Whether a process id is still taken, for reapers waiting on an owner. EPERM means it exists but
 * is not ours to signal, which is still "alive": only ESRCH says it is gone.
 */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}
