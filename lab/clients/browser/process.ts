/**
 * Browsers started in their own process group, so closing a session ends the browser and every
 * helper process it forked (zygotes, content processes), and nothing else.
 */
import { spawn, type ChildProcess } from 'node:child_process';

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
}): Promise<BrowserProcess> {
  const child = spawn(options.executable, options.args, {
    env: options.env,
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      return;
    }
    await exited;
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
