/**
 * How the lab's own processes (the box in a gateway, the origins) report to the lab: JSON lines
 * on one ordered stream (stdout, or a unix socket where a container's log would lag), with
 * "sync N" sent back answered by {"type":"synced","n":N}. Once the answer is read, every line
 * written before it has been read too: that is how the lab knows it holds all of a box's or an
 * origin's records up to now, without waiting a guessed while.
 */
import type { ChildProcess } from 'node:child_process';
import { createConnection } from 'node:net';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

export interface ReportingProcess {
  /** resolves when every line written before the call has been handled (bounded: a dead peer does not hold the lab) */
  sync(timeoutMs?: number): Promise<void>;
}

/** The lab's side of one report stream: lines in from `input`, sync requests out to `output`. */
export function reportingStream(input: Readable, output: Writable | undefined, onLine: (message: Record<string, unknown>) => void): ReportingProcess {
  let asked = 0;
  let ended = false;
  const waiting = new Map<number, () => void>();
  const release = (upTo: number) => {
    for (const [n, resolve] of waiting) {
      if (n <= upTo) {
        waiting.delete(n);
        resolve();
      }
    }
  };
  const lines = createInterface({ input });
  lines.on('line', (line) => {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    if (message.type === 'synced' && typeof message.n === 'number') release(message.n);
    else onLine(message);
  });
  lines.once('close', () => {
    ended = true;
    release(Infinity);
  });
  return {
    sync(timeoutMs = 2_000) {
      if (ended || !output || output.destroyed || !output.writable) return Promise.resolve();
      const n = ++asked;
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          waiting.delete(n);
          resolve();
        }, timeoutMs);
        waiting.set(n, () => {
          clearTimeout(timer);
          resolve();
        });
        output.write(`sync ${n}\n`, () => undefined);
      });
    },
  };
}

export function reportingProcess(child: ChildProcess, onLine: (message: Record<string, unknown>) => void): ReportingProcess {
  return reportingStream(child.stdout!, child.stdin ?? undefined, onLine);
}

export interface ReportSink {
  write(message: object): void;
}

/**
 * The reporting side, for the entry points that run inside the lab: to the unix socket the lab
 * listens on when given one, else stdout; sync requests are answered on the same stream.
 */
export async function openReportSink(socketPath?: string): Promise<ReportSink> {
  if (!socketPath) {
    const write = (message: object) => process.stdout.write(JSON.stringify(message) + '\n');
    answerSync(process.stdin, write);
    return { write };
  }
  const socket = createConnection(socketPath);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  // the lab going away ends the process's reason to exist; its death signal follows anyway
  socket.on('error', () => undefined);
  const write = (message: object) => socket.write(JSON.stringify(message) + '\n');
  answerSync(socket, write);
  return { write };
}

function answerSync(input: Readable, write: (message: object) => void): void {
  createInterface({ input }).on('line', (line) => {
    const n = /^sync (\d+)$/.exec(line.trim())?.[1];
    if (n !== undefined) write({ type: 'synced', n: Number(n) });
  });
}
