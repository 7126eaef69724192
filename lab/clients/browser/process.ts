/**
 * Browsers started in their own process group, so closing a session ends the browser and every
 * helper process it forked (zygotes, content processes), and nothing else. The browser also gets
 * a parent-death signal and its group goes into the run registry the instant it exists: if the
 * harness dies, even by SIGKILL, the kernel kills the browser (its helpers follow it within a
 * second, crash handlers included) and the run's supervisor kills whatever is left of the group.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { basename } from 'node:path';
import { PDEATHSIG } from '../../runtime/netns/process.ts';
import { endRegisteredProcess, registerProcess } from '../../runtime/registry/run.ts';

export interface BrowserProcess {
  child: ChildProcess;
  /** what the readiness pattern captured (e.g. the DevTools WebSocket URL) */
  endpoint: string;
  stderrTail(): string;
  kill(): Promise<void>;
}

const STDERR_TAIL_CHARS = 4000;

export async function startBrowserProcess(options: {
  executable: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  ready: RegExp;
  timeoutMs: number;
  /** how the run registry names it (default: the executable's name) */
  what?: string;
}): Promise<BrowserProcess> {
  // a lab launcher's argv may already start with the parent-death wrapper
  const argv = options.executable === PDEATHSIG[0] ? [options.executable, ...options.args] : [...PDEATHSIG, options.executable, ...options.args];
  const child = spawn(argv[0]!, argv.slice(1), {
    env: options.env,
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  if (child.pid !== undefined) registerProcess(child.pid, { group: true, what: options.what ?? basename(options.executable) });
  let stderr = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // the group is gone already
      }
      await exited;
    }
    // helpers whose browser died first are still in its group
    if (child.pid !== undefined) endRegisteredProcess(child.pid);
  };
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`browser not ready after ${options.timeoutMs} ms: ${stderr.slice(-500)}`)), options.timeoutMs);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-STDERR_TAIL_CHARS);
      const match = stderr.match(options.ready);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] ?? match[0]);
      }
    });
    child.once('error', (error) => { clearTimeout(timer); reject(error); });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`browser exited (${code ?? signal}) before it was ready: ${stderr.slice(-500)}`));
    });
  }).catch(async (error: unknown) => {
    await kill();
    throw error;
  });
  return { child, endpoint, stderrTail: () => stderr, kill };
}
