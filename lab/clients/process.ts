/**
 * Spawning real clients: a clean environment (nothing the user exported may add trust or a
 * proxy), a hard timeout, a tracker so a session's close() leaves no process behind, and the run
 * registry, so a harness that dies mid-visit leaves none either.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { basename, delimiter, join } from 'node:path';
import { forgetProcess, registerProcess } from '../runtime/registry/run.ts';
import type { Availability, ClientLauncher } from './types.ts';

/** Variables that would let the user's shell change trust, proxies or client config behind our back. */
const DROPPED_VARIABLES = new Set([
  'SSL_CERT_FILE', 'SSL_CERT_DIR', 'NODE_EXTRA_CA_CERTS', 'NODE_OPTIONS', 'NODE_TLS_REJECT_UNAUTHORIZED',
  'CURL_CA_BUNDLE', 'CURL_HOME', 'REQUESTS_CA_BUNDLE', 'WGETRC', 'OPENSSL_CONF', 'PYTHONHTTPSVERIFY',
  'JAVA_TOOL_OPTIONS', '_JAVA_OPTIONS', 'JDK_JAVA_OPTIONS', 'GNUTLS_SYSTEM_PRIORITY_FILE',
]);

export function cleanEnvironment(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(base)) {
    if (value === undefined || DROPPED_VARIABLES.has(name.toUpperCase())) continue;
    if (/_proxy$/i.test(name)) continue;
    env[name] = value;
  }
  return { ...env, ...CLIENT_LOCALE };
}

// Clients localise their messages and quotes; error strings are matched by scenarios.
const CLIENT_LOCALE = { LC_ALL: 'C', LANG: 'C' } as const;

export interface ClientCommand {
  file: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

/**
 * The command that starts a client: on the host with the cleaned environment, or through the
 * lab's launcher, which starts it from an empty environment (only the locale and `extraEnv`).
 */
export function clientCommand(argv: readonly string[], launcher?: ClientLauncher, extraEnv: Record<string, string> = {}): ClientCommand {
  if (!launcher) {
    const [file, ...args] = argv;
    return { file: file!, args, env: { ...cleanEnvironment(), ...extraEnv } };
  }
  const [binary, ...rest] = argv;
  // the lab searches its own PATH; the binary the host probed is the one that must run
  const [file, ...args] = launcher.wrap([hostBinaryPath(binary!), ...rest], { ...CLIENT_LOCALE, ...extraEnv });
  // the wrapper (nsenter and friends) needs nothing of ours; it clears the client's environment itself
  return { file: file!, args, env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' } };
}

function hostBinaryPath(binary: string): string {
  if (binary.includes('/')) return binary;
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    try {
      accessSync(join(dir, binary), constants.X_OK);
      return join(dir, binary);
    } catch {
      // not in this directory
    }
  }
  return binary;
}

export interface RunResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** the binary could not be started (ENOENT, EACCES) */
  spawnError?: string;
}

export interface RunOptions {
  timeoutMs: number;
  cwd?: string;
  /** written to stdin; stdin then stays open until the child exits when keepStdinOpen is set */
  input?: string;
  keepStdinOpen?: boolean;
  /** start the client inside the lab (see ClientLauncher); absent: on the host */
  launcher?: ClientLauncher;
}

/** Children of one session, so close() can kill whatever a timed-out or abandoned visit left. */
export class ChildTracker {
  private readonly children = new Set<ChildProcess>();

  add(child: ChildProcess): void {
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
  }

  killAll(): void {
    for (const child of this.children) child.kill('SIGKILL');
    this.children.clear();
  }
}

export function runClient(binary: string, args: string[], options: RunOptions, tracker?: ChildTracker): Promise<RunResult> {
  return new Promise((resolve) => {
    const command = clientCommand([binary, ...args], options.launcher);
    const child = spawn(command.file, command.args, {
      cwd: options.cwd,
      env: command.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    if (child.pid !== undefined) {
      const pid = child.pid;
      registerProcess(pid, { group: false, what: basename(binary) });
      child.once('exit', () => forgetProcess(pid));
    }
    tracker?.add(child);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    let spawnError: string | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    // A client that exits before reading all of stdin is normal (it refused the handshake).
    child.stdin.on('error', () => undefined);
    child.on('error', (error: NodeJS.ErrnoException) => {
      spawnError = error.code ?? error.message;
    });
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      resolve({
        exitCode,
        signal,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        timedOut,
        spawnError,
      });
    });
    if (options.input !== undefined) child.stdin.write(options.input);
    if (!options.keepStdinOpen) child.stdin.end();
  });
}

/** Last lines of a client's diagnostics, for Observation.detail. */
export function tail(text: string, lines = 6): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

/**
 * Runs `binary versionArgs` and reads a version out of it. Never throws: a missing client is a
 * skipped cell with the package that provides it, not a crash.
 */
export function probeBinary(
  binary: string,
  versionArgs: string[],
  parseVersion: (output: string) => string | undefined,
  installHint: string,
): Promise<Availability> {
  return new Promise((resolve) => {
    execFile(binary, versionArgs, { env: cleanEnvironment(), timeout: 15_000 }, (error, stdout, stderr) => {
      const output = `${stdout}\n${stderr}`;
      const code = (error as NodeJS.ErrnoException | null)?.code;
      if (code === 'ENOENT' || code === 'EACCES') {
        resolve({ available: false, reason: `${binary} not found: ${installHint}` });
        return;
      }
      const version = parseVersion(output);
      if (!version) {
        resolve({ available: false, reason: `${binary} did not report a version (${tail(output, 2) || String(error)}): ${installHint}` });
        return;
      }
      resolve({ available: true, version });
    });
  });
}
