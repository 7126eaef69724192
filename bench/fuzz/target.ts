/**
 * The fuzz target from outside: started as its own process (killed by the kernel if we die), asked
 * for its counters over stdin, and measured through /proc/<pid> (fds, RSS) as any process would be.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { TargetConfig, TargetLine } from './target-main.ts';

type Status = Extract<TargetLine, { type: 'status' }>;
type Bug = Extract<TargetLine, { type: 'engine-bug' }>;

const READY_TIMEOUT_MS = 60_000;
const ANSWER_TIMEOUT_MS = 10_000;
const SETPRIV = '/usr/bin/setpriv';

export interface Target {
  readonly pid: number;
  readonly sniPort: number;
  readonly connectPort: number;
  /** engine-bug reports so far */
  readonly bugs: Bug[];
  /** stderr, for the report when it died */
  stderr(): string;
  alive(): boolean;
  /** how it ended, once it has: exit code or signal */
  exit(): string | undefined;
  status(options?: { gc?: boolean }): Promise<Status>;
  fds(): number;
  /** fd number → what it is (socket:[inode], pipe:[…], a path) */
  fdTable(): Map<number, string>;
  rssKiB(): number;
  stop(): Promise<void>;
}

export async function startTarget(configFile: string, script: string): Promise<Target> {
  // the kernel kills the target if the fuzzer dies mid-run (setpriv execs node: same pid)
  const node = [process.execPath, '--expose-gc', '--import', 'tsx', script, configFile];
  const argv = existsSync(SETPRIV) ? [SETPRIV, '--pdeathsig', 'KILL', '--', ...node] : node;
  const child: ChildProcess = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr = (stderr + d).slice(-20_000);
  });
  child.stdin!.on('error', () => {});
  const bugs: Bug[] = [];
  const waiting = new Map<number, { answer: (s: Status) => void; fail: (err: Error) => void }>();
  let exited: string | undefined;
  const exitedPromise = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = signal ?? `exit ${code}`;
      for (const { fail } of waiting.values()) fail(new Error(`fuzz target died (${exited}) before it answered`));
      resolve();
    }),
  );
  const ready = new Promise<Extract<TargetLine, { type: 'ready' }>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`fuzz target not ready in ${READY_TIMEOUT_MS} ms\n${stderr}`)), READY_TIMEOUT_MS);
    void exitedPromise.then(() => {
      clearTimeout(timer);
      reject(new Error(`fuzz target ended (${exited}) before it was ready\n${stderr}`));
    });
    createInterface({ input: child.stdout! }).on('line', (text) => {
      const line = JSON.parse(text) as TargetLine;
      if (line.type === 'ready') {
        clearTimeout(timer);
        resolve(line);
      } else if (line.type === 'status') waiting.get(line.id)?.answer(line);
      else if (line.type === 'engine-bug') bugs.push(line);
    });
  });
  let started: Extract<TargetLine, { type: 'ready' }>;
  try {
    started = await ready;
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  let nextId = 0;
  const proc = `/proc/${started.pid}`;
  return {
    pid: started.pid,
    sniPort: started.sniPort,
    connectPort: started.connectPort,
    bugs,
    stderr: () => stderr,
    alive: () => exited === undefined,
    exit: () => exited,
    status(options = {}) {
      const id = ++nextId;
      return new Promise<Status>((resolve, reject) => {
        if (exited !== undefined) return reject(new Error(`fuzz target is dead (${exited})`));
        const settle = () => {
          clearTimeout(timer);
          waiting.delete(id);
        };
        const timer = setTimeout(() => {
          settle();
          reject(new Error(`fuzz target did not answer in ${ANSWER_TIMEOUT_MS} ms`));
        }, ANSWER_TIMEOUT_MS);
        waiting.set(id, {
          answer: (s) => {
            settle();
            resolve(s);
          },
          fail: (err) => {
            settle();
            reject(err);
          },
        });
        child.stdin!.write(JSON.stringify({ id, cmd: options.gc ? 'gc' : 'status' }) + '\n');
      });
    },
    fds: () => readdirSync(`${proc}/fd`).length,
    fdTable: () => {
      const table = new Map<number, string>();
      const tcp = tcpSockets(proc);
      for (const fd of readdirSync(`${proc}/fd`)) {
        try {
          const link = readlinkSync(`${proc}/fd/${fd}`);
          const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
          table.set(Number(fd), inode && tcp.has(inode) ? `${link} ${tcp.get(inode)}` : link);
        } catch {
          // closed between the listing and the readlink
        }
      }
      return table;
    },
    rssKiB: () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`${proc}/status`, 'utf8'))?.[1] ?? NaN),
    async stop() {
      if (exited !== undefined) return;
      child.stdin!.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exitedPromise;
      clearTimeout(timer);
    },
  };
}

export type { TargetConfig };

const TCP_STATES: Record<string, string> = { '01': 'ESTABLISHED', '02': 'SYN_SENT', '03': 'SYN_RECV', '04': 'FIN_WAIT1', '05': 'FIN_WAIT2', '06': 'TIME_WAIT', '07': 'CLOSE', '08': 'CLOSE_WAIT', '09': 'LAST_ACK', '0A': 'LISTEN', '0B': 'CLOSING' };

/** inode → "local → remote STATE" for the IPv4 TCP sockets the process can see (loopback only here) */
function tcpSockets(proc: string): Map<string, string> {
  const out = new Map<string, string>();
  const address = (hex: string) => {
    const [ip, port] = hex.split(':') as [string, string];
    return `${[3, 2, 1, 0].map((i) => parseInt(ip.slice(i * 2, i * 2 + 2), 16)).join('.')}:${parseInt(port, 16)}`;
  };
  try {
    for (const line of readFileSync(`${proc}/net/tcp`, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 9) out.set(f[9]!, `${address(f[1]!)} → ${address(f[2]!)} ${TCP_STATES[f[3]!] ?? f[3]}`);
    }
  } catch {
    // no /proc/net/tcp: the bare socket inode has to do
  }
  return out;
}
