/**
 * The long-lived JVM behind a java session: compiling Visit.java once per machine (cached under
 * ~/.cache/tlslab by source hash) and a line-in, JSON-line-out conversation with one process.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { clientCommand, runClient, tail } from './process.ts';
import type { ClientLauncher } from './types.ts';
import { forgetProcess, registerProcess } from '../runtime/registry/run.ts';

const VISIT_SOURCE = fileURLToPath(new URL('./java/Visit.java', import.meta.url));
const compiled = new Map<string, Promise<string>>();

/** Directory holding Visit.class; javac runs only when this source has never been compiled here. */
export function compiledVisitClass(javac: string): Promise<string> {
  let pending = compiled.get(javac);
  if (!pending) {
    pending = compile(javac);
    pending.catch(() => compiled.delete(javac));
    compiled.set(javac, pending);
  }
  return pending;
}

/** A compile cache, not a temp dir: kept across runs on purpose, where caches belong (a client container mounts it). */
export function userCacheDir(): string {
  const dir = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'tlslab');
  mkdirSync(dir, { recursive: true });
  return dir;
}

async function compile(javac: string): Promise<string> {
  const hash = createHash('sha256').update(readFileSync(VISIT_SOURCE)).digest('hex').slice(0, 16);
  const classDir = join(userCacheDir(), `java-visit-${hash}`);
  if (existsSync(join(classDir, 'Visit.class'))) return classDir;
  // Compile aside and rename: concurrent runs never see a half-written class dir.
  // staged beside the cache so the rename stays on one filesystem
  const staging = mkdtempSync(join(userCacheDir(), 'java-compile-'));
  const run = await runClient(javac, ['-d', staging, VISIT_SOURCE], { timeoutMs: 120_000 });
  if (run.exitCode !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`javac failed (${run.spawnError ?? `exit ${run.exitCode}`}): ${tail(run.stderr)}`);
  }
  try {
    renameSync(staging, classDir);
  } catch {
    rmSync(staging, { recursive: true, force: true }); // another run won the race
  }
  return classDir;
}

export class JvmTimeoutError extends Error {}

export class VisitJvm {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: string[] = [];
  private waiter: ((line: string | undefined) => void) | undefined;
  private exited = false;
  /** set at kill(): the process may still be dying, but it must not be handed another visit */
  private killed = false;
  private stderr = '';

  constructor(java: string, jvmArgs: string[], classDir: string, programArgs: string[], launcher?: ClientLauncher) {
    const command = clientCommand([java, ...jvmArgs, '-cp', classDir, 'Visit', ...programArgs], launcher);
    this.child = spawn(command.file, command.args, {
      env: command.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const pid = this.child.pid;
    if (pid !== undefined) {
      registerProcess(pid, { group: false, what: 'java' });
      this.child.once('exit', () => forgetProcess(pid));
    }
    this.child.stdin.on('error', () => undefined);
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-4000);
    });
    this.child.on('error', (error) => {
      this.stderr += `\n${error.message}`;
    });
    this.child.on('close', () => {
      this.exited = true;
      this.deliver(undefined);
    });
    createInterface({ input: this.child.stdout }).on('line', (line) => this.deliver(line));
  }

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

  /** Next line from the JVM; undefined when it died; JvmTimeoutError (and a dead JVM) on timeout. */
  nextLine(timeoutMs: number): Promise<string | undefined> {
    const queued = this.lines.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.exited) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        this.kill();
        reject(new JvmTimeoutError(`no answer from the JVM within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = (line) => {
        clearTimeout(timer);
        resolve(line);
      };
    });
  }

  send(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  kill(): void {
    this.killed = true;
    if (!this.exited) this.child.kill('SIGKILL');
  }

  /** Resolves once the process is gone, so close() leaves nothing behind. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('close', () => resolve()));
    this.kill();
    await gone;
  }
}
