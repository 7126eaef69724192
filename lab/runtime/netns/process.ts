/**
 * Process plumbing for the netns runtime: one-shot commands with captured output, and
 * long-lived daemons that die with their parent (PR_SET_PDEATHSIG through setpriv).
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string;
  timeoutMs?: number;
}

export class CommandFailedError extends Error {
  readonly result: CommandResult;
  constructor(argv: readonly string[], result: CommandResult) {
    const tail = (result.stderr || result.stdout).trim().split('\n').slice(-5).join('\n');
    super(`command failed (${result.code ?? result.signal}): ${argv.join(' ')}\n${tail}`);
    this.name = 'CommandFailedError';
    this.result = result;
  }
}

/** Prefix that makes the kernel SIGKILL the process when its parent dies, even mid-crash. */
export const PDEATHSIG: readonly string[] = ['setpriv', '--pdeathsig', 'KILL', '--'];

export function runCommand(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
  const [file, ...args] = withDeathSignal(argv);
  return new Promise((resolve, reject) => {
    const child = spawn(file!, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = options.timeoutMs
      ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs)
      : undefined;
    child.on('error', (err) => {
      if (timer) clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

export async function runChecked(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
  const result = await runCommand(argv, options);
  if (result.code !== 0) throw new CommandFailedError(argv, result);
  return result;
}

export interface DaemonOptions {
  /** output pipes (default) or discarded output */
  stdio?: 'pipe' | 'ignore';
  /** a stdin pipe, for daemons that exit when their owner closes it */
  stdin?: 'pipe' | 'ignore';
}

export function spawnDaemon(argv: readonly string[], options: DaemonOptions = {}): ChildProcess {
  const [file, ...args] = withDeathSignal(argv);
  const io = options.stdio ?? 'pipe';
  return spawn(file!, args, { stdio: [options.stdin ?? 'ignore', io, io] });
}

function withDeathSignal(argv: readonly string[]): string[] {
  return argv[0] === PDEATHSIG[0] ? [...argv] : [...PDEATHSIG, ...argv];
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  { timeoutMs = 5000, intervalMs = 50 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export function stopProcess(child: ChildProcess, graceMs = 1000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
