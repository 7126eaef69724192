/**
 * A long-lived client process spoken to in lines: one request line in on stdin, one answer line
 * out on stdout, in order (the JVM of the java shim works the same way). Started through the
 * lab's launcher when there is one, recorded in the run registry, killed on a timeout so that a
 * hung visit cannot answer the next one.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import { clientCommand, tail } from './process.ts';
import type { ClientLauncher } from './types.ts';
import { forgetProcess, registerProcess } from '../runtime/registry/run.ts';

export class LineTimeoutError extends Error {}

export class LineChild {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: string[] = [];
  private waiter: ((line: string | undefined) => void) | undefined;
  private exited = false;
  private killed = false;
  private stderr = '';
  exitCode: number | null = null;
  private readonly name: string;

  constructor(argv: readonly string[], launcher?: ClientLauncher) {
    this.name = basename(argv[0] ?? 'client');
    const command = clientCommand(argv, launcher);
    this.child = spawn(command.file, command.args, { env: command.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const pid = this.child.pid;
    if (pid !== undefined) {
      registerProcess(pid, { group: false, what: this.name });
      this.child.once('exit', () => forgetProcess(pid));
    }
    this.child.stdin.on('error', () => undefined);
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-4000);
    });
    this.child.on('error', (error) => {
      this.stderr += `\n${error.message}`;
    });
    this.child.on('close', (code) => {
      this.exited = true;
      this.exitCode = code;
      this.deliver(undefined);
    });
    createInterface({ input: this.child.stdout }).on('line', (line) => this.deliver(line));
  }

  /** alive and never killed: fit for another request */
  get alive(): boolean {
    return !this.exited && !this.killed;
  }

  get diagnostics(): string {
    return tail(this.stderr);
  }

  private deliver(line: string | undefined): void {
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      waiter(line);
    } else if (line !== undefined) {
      this.lines.push(line);
    }
  }

  send(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  /** the next line out; undefined when the process died first; LineTimeoutError (and a killed process) on timeout */
  nextLine(timeoutMs: number): Promise<string | undefined> {
    const queued = this.lines.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.exited) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        this.kill();
        reject(new LineTimeoutError(`no answer from ${this.name} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = (answer) => {
        clearTimeout(timer);
        resolve(answer);
      };
    });
  }

  /** the answer to `line` */
  request(line: string, timeoutMs: number): Promise<string | undefined> {
    this.send(line);
    return this.nextLine(timeoutMs);
  }

  kill(): void {
    this.killed = true;
    if (!this.exited) this.child.kill('SIGKILL');
  }

  /** resolves once the process is gone, so a session's close() leaves nothing behind */
  async stop(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('close', () => resolve()));
    this.child.stdin.end();
    this.kill();
    await gone;
  }
}
