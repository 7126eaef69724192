/**
 * A box's process on the host: its own process group (squid and mitmproxy fork helpers), a
 * parent-death signal and a place in the run registry from the instant it exists, so nothing of
 * it outlives the lab; its output goes to a log in the box's dir, for error messages.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import * as net from 'node:net';
import { PDEATHSIG } from '../runtime/netns/process.ts';
import { endRegisteredProcess, registerProcess } from '../runtime/registry/run.ts';
import type { RunningBox } from './types.ts';

export interface BoxProcess {
  child: ChildProcess;
  logTail(lines?: number): string;
  exited(): boolean;
  stop(graceMs?: number): Promise<void>;
}

export function spawnBox(what: string, command: string, args: readonly string[], options: { logFile: string; env?: NodeJS.ProcessEnv; cwd?: string }): BoxProcess {
  const log = openSync(options.logFile, 'a', 0o600);
  const child = spawn(PDEATHSIG[0]!, [...PDEATHSIG.slice(1), command, ...args], {
    detached: true,
    stdio: ['ignore', log, log],
    env: options.env ?? process.env,
    ...(options.cwd && { cwd: options.cwd }),
  });
  closeSync(log);
  if (child.pid !== undefined) registerProcess(child.pid, { group: true, what });
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // the group is gone already
    }
  };
  return {
    child,
    exited,
    logTail: (lines = 8) => {
      try {
        return readFileSync(options.logFile, 'utf8').trim().split('\n').slice(-lines).join('\n');
      } catch {
        return '';
      }
    },
    stop: (graceMs = 3_000) =>
      new Promise<void>((resolve) => {
        const done = () => {
          // helpers may outlive a leader that left on TERM
          if (child.pid !== undefined) endRegisteredProcess(child.pid);
          resolve();
        };
        if (exited()) return done();
        const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
        child.once('exit', () => {
          clearTimeout(timer);
          done();
        });
        signalGroup('SIGTERM');
      }),
  };
}

/** A port the kernel just handed out on 127.0.0.1, for boxes that cannot be told "port 0". */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Until the box listens, dies, or the deadline passes; the error carries the box's own last words. */
export async function waitForBox(box: BoxProcess, name: string, host: string, port: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (box.exited()) throw new Error(`${name} exited before listening on ${host}:${port}: ${box.logTail()}`);
    if (await accepts(host, port)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} not listening on ${host}:${port} after ${timeoutMs} ms: ${box.logTail()}`);
}

/**
 * An explicit proxy box on 127.0.0.1:`port` once it accepts there; if it never does, `stop` runs
 * and the error (with the box's last log lines) is thrown.
 */
export async function explicitBoxListening(
  box: BoxProcess,
  what: string,
  port: number,
  running: { caPem: string; keylogFile?: string; stop?: () => Promise<void>; timeoutMs?: number },
): Promise<RunningBox> {
  const stop = running.stop ?? (() => box.stop());
  try {
    await waitForBox(box, what, '127.0.0.1', port, running.timeoutMs);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    doors: { kind: 'connect', address: { host: '127.0.0.1', port } },
    caPem: running.caPem,
    ...(running.keylogFile && { keylogFile: running.keylogFile }),
    logTail: () => box.logTail(),
    stop,
  };
}
