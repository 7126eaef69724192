/**
 * Peer processes: each one leads its own process group so that stopping it also ends the helpers
 * it forks (squid's certificate generators), and every group still alive is killed when the
 * bench ends, is interrupted or crashes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';

const live = new Set<ChildProcess>();

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // the group is already gone
  }
}

export interface SpawnedPeer {
  child: ChildProcess;
  /** everything the peer wrote, for error messages */
  logTail(): string;
}

export function spawnPeer(command: string, args: string[], options: { logFile: string; env?: NodeJS.ProcessEnv; cwd?: string }): SpawnedPeer {
  const log = openSync(options.logFile, 'a');
  // detached: a group of its own, so one kill reaches its helpers (and a terminal's Ctrl-C does not
  // race our own shutdown)
  const child = spawn(command, args, {
    detached: true,
    stdio: ['ignore', log, log],
    env: options.env ?? process.env,
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  closeSync(log);
  live.add(child);
  child.once('exit', () => live.delete(child));
  return {
    child,
    logTail: () => {
      try {
        return readFileSync(options.logFile, 'utf8').trim().split('\n').slice(-8).join('\n');
      } catch {
        return '';
      }
    },
  };
}

/** TERM the group, KILL it after `graceMs`; resolves once the leader has exited. */
export function stopPeerProcess(child: ChildProcess, graceMs = 3_000): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      // helpers may outlive a leader that exited on TERM
      signalGroup(child, 'SIGKILL');
      resolve();
    };
    if (child.exitCode !== null || child.signalCode !== null) return done();
    child.once('exit', done);
    signalGroup(child, 'SIGTERM');
    setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs).unref();
  });
}

/** Synchronous last resort for 'exit' handlers, where no promise will run. */
export function killAllPeerProcesses(): void {
  for (const child of live) signalGroup(child, 'SIGKILL');
}

