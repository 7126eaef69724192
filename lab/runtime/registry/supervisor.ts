/**
 * The run's supervisor: a shell holding the read end of a pipe whose only writer is the lab
 * process. When that process ends, however it ends (SIGKILL included), the kernel closes the pipe;
 * the supervisor then starts the reaper, but only if the run record is still there (a clean exit
 * removes it). It costs a `sh` and a `cat` while the run lives; Node starts only when needed.
 * Its own session: a Ctrl-C or a kill of the lab's process group does not reach it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { entryPointFile } from '../../clients/node-ts-argv.ts';
import { processStartTicks } from './proc.ts';

const REAPER = entryPointFile(new URL('./reaper-main.ts', import.meta.url));
const TSX_LOADER = import.meta.resolve('tsx/esm');
// $1 record, $2 node, $3 loader, $4 reaper; the reaper's output goes next to the record
const SCRIPT = 'cat >/dev/null 2>&1; [ -e "$1" ] || exit 0; exec "$2" --import "$3" "$4" "$1" >>"$1.log" 2>&1';

/** kept so the pipe's write end lives exactly as long as this process */
let supervisor: ChildProcess | undefined;

export function startSupervisor(recordFile: string): { pid: number; startTicks: number } | undefined {
  const child = spawn('sh', ['-c', SCRIPT, 'tlslab-supervisor', recordFile, process.execPath, TSX_LOADER, REAPER], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  child.on('error', () => undefined);
  child.stdin?.on('error', () => undefined);
  if (child.pid === undefined) return undefined;
  // neither the child nor the pipe may keep this process alive
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  supervisor = child;
  return { pid: child.pid, startTicks: processStartTicks(child.pid) ?? 0 };
}

export function supervisorPid(): number | undefined {
  return supervisor?.pid;
}
