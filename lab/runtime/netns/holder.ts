/**
 * The sealed holder: one process whose private mount namespace owns /run/netns and an overlay
 * over /etc, so `ip netns` state and /etc/netns/<ns>/ files never exist on the host. When the
 * holder dies (parent-death signal, or its stdin closing) that mount namespace and every named
 * lab namespace in it go with it.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync, statSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { spawnDaemon, runCommand, runChecked, type DaemonOptions, type RunOptions, type CommandResult } from './process.ts';
import { checkPrivileges, type HolderMode } from './privileges.ts';
import { processStartTicks } from '../registry/proc.ts';
import { forgetNetns, registerNetns, updateNetnsNamespaces } from '../registry/run.ts';

// distinct from the containers runtime's "tlslab-" names, so a gc by prefix never reaches into its runs
export const DEFAULT_PREFIX = 'tlslab-ns-';

/** PATH inside lab namespaces; every lab command starts from `env -i` plus this. */
export const LAB_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const HOLDER_SETUP = [
  'set -e',
  'mount -t tmpfs -o mode=755 tlslab-run /run',
  'mkdir -p /run/netns /run/tlslab/etc-upper /run/tlslab/etc-work',
  // an overlay keeps the host's /etc readable while /etc/netns lives only in this namespace
  'mount -t overlay tlslab-etc -o lowerdir=/etc,upperdir=/run/tlslab/etc-upper,workdir=/run/tlslab/etc-work /etc',
  'mkdir -p /etc/netns',
  'ip link set lo up',
  'echo ready',
  'exec cat >/dev/null',
].join('\n');

export interface HolderOptions {
  prefix?: string;
  /** force rootless even as root (tests the user-namespace path) */
  mode?: HolderMode;
}

export class Holder {
  readonly runId: string;
  readonly prefix: string;
  readonly mode: HolderMode;
  readonly pid: number;
  private readonly process: ChildProcess;
  /** namespace name -> nsfs inode (0 until created), as the run registry records it */
  private readonly inodes: Record<string, number> = {};
  private stopped = false;

  private constructor(args: { runId: string; prefix: string; mode: HolderMode; process: ChildProcess }) {
    this.runId = args.runId;
    this.prefix = args.prefix;
    this.mode = args.mode;
    this.process = args.process;
    this.pid = args.process.pid!;
  }

  static async start(options: HolderOptions = {}): Promise<Holder> {
    const privileges = await checkPrivileges();
    if (!privileges.available) throw new Error(privileges.reason);
    const mode = options.mode ?? privileges.mode;
    const prefix = options.prefix ?? DEFAULT_PREFIX;
    const runId = randomBytes(3).toString('hex');
    const unshare = ['unshare', '--mount', '--net', '--propagation', 'private'];
    if (mode === 'rootless') unshare.push('--user', '--map-root-user');
    const child = spawnDaemon([...unshare, '--', 'sh', '-c', HOLDER_SETUP], { stdin: 'pipe' });
    child.stdin?.on('error', () => undefined);
    if (child.pid === undefined) throw new Error('netns holder could not start (unshare missing?)');
    // recorded in the same tick as the spawn: gc finds whatever its namespaces come to hold
    registerNetns({ labId: runId, prefix, mode, holderPid: child.pid, holderStartTicks: processStartTicks(child.pid) ?? 0, namespaces: {} });
    try {
      await readyLine(child);
    } catch (err) {
      forgetNetns(runId);
      throw err;
    }
    return new Holder({ runId, prefix, mode, process: child });
  }

  namespaceName(host: string): string {
    return `${this.prefix}${this.runId}-${host}`;
  }

  /** argv that runs a command inside the holder's mount and (empty) network namespace */
  enterArgv(argv: readonly string[]): string[] {
    const enter = ['nsenter', '-t', String(this.pid), '-m', '-n'];
    if (this.mode === 'rootless') enter.push('-U', '--preserve-credentials');
    return [...enter, '--', ...argv];
  }

  /** argv that runs a command with a clean environment inside the lab namespace `ns` */
  namespaceArgv(ns: string, argv: readonly string[], env: Record<string, string> = {}): string[] {
    if (!(ns in this.inodes)) throw new Error(`refusing to run outside a lab namespace: ${ns} is not one of this run's namespaces`);
    const pairs = Object.entries({ PATH: LAB_PATH, ...env }).map(([k, v]) => `${k}=${v}`);
    return this.enterArgv(['ip', 'netns', 'exec', ns, 'env', '-i', ...pairs, ...argv]);
  }

  runInHolder(argv: readonly string[], options?: RunOptions): Promise<CommandResult> {
    return runChecked(this.enterArgv(argv), options);
  }

  runIn(ns: string, argv: readonly string[], options: RunOptions & { env?: Record<string, string>; check?: boolean } = {}): Promise<CommandResult> {
    const full = this.namespaceArgv(ns, argv, options.env);
    return options.check === false ? runCommand(full, options) : runChecked(full, options);
  }

  spawnIn(ns: string, argv: readonly string[], env: Record<string, string> = {}, options: DaemonOptions = {}): ChildProcess {
    return spawnDaemon(this.namespaceArgv(ns, argv, env), options);
  }

  /** a path on the host's view that lands in the holder's private mount namespace */
  privatePath(path: string): string {
    return `/proc/${this.pid}/root${path}`;
  }

  writePrivateFile(path: string, content: string | Buffer): void {
    const target = this.privatePath(path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
  }

  removePrivatePath(path: string): void {
    rmSync(this.privatePath(path), { recursive: true, force: true });
  }

  /** records each namespace's inode so `tlslab gc` can find its processes after a crash */
  registerNamespace(ns: string): void {
    this.inodes[ns] = statSync(this.privatePath(`/run/netns/${ns}`)).ino;
    updateNetnsNamespaces(this.runId, this.inodes);
  }

  /** marks names as lab namespaces before they exist, so the builder may run commands in them */
  declareNamespace(ns: string): void {
    this.inodes[ns] ??= 0;
  }

  namespaces(): Record<string, number> {
    return { ...this.inodes };
  }

  get alive(): boolean {
    return !this.stopped && this.process.exitCode === null && this.process.signalCode === null;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await new Promise<void>((resolve) => {
      if (this.process.exitCode !== null || this.process.signalCode !== null) return resolve();
      const timer = setTimeout(() => this.process.kill('SIGKILL'), 2000);
      this.process.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      this.process.stdin?.end();
    });
    forgetNetns(this.runId);
  }
}

function readyLine(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`netns holder did not start within 5 s: ${err.trim()}`));
    }, 5000);
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('ready\n')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`netns holder exited (${code}) during setup: ${err.trim()}`));
    });
  });
}
