/**
 * dumpcap (pcapng), wherever a runtime starts it. Readiness is its "File:" line: "Capturing on"
 * comes 15–20 ms before the interface is really open, and a ClientHello sent in between is lost
 * (then the key log has nothing to decrypt). dumpcap hands packets over on a one-second timer and
 * drops what it has not yet been handed when it is stopped, so a capture is stopped only after a
 * quiet second since the last traffic the caller cares about.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { PDEATHSIG } from './netns/process.ts';
import { forgetProcess, registerProcess } from './registry/run.ts';

export interface DumpcapOptions {
  interfaces: readonly string[];
  file: string;
  /** a capture filter (BPF), e.g. "tcp" */
  filter?: string;
  /** where it runs, for messages */
  where: string;
}

export interface Capture {
  file: string;
  /** `quietSince`: ms since epoch of the last traffic that must be in the file (default: now) */
  stop(quietSince?: number): Promise<void>;
}

/** libpcap's delivery timer in dumpcap, plus margin */
export const DUMPCAP_DELIVERY_MS = 1_100;
const START_TIMEOUT_MS = 5_000;

export function dumpcapArgv(options: DumpcapOptions): string[] {
  return ['dumpcap', '-q', ...options.interfaces.flatMap((i) => ['-i', i]), ...(options.filter ? ['-f', options.filter] : []), '-w', options.file];
}

/**
 * dumpcap on the host (loopback, container bridges): it dies with the harness (a parent-death
 * signal) and is in the run's record, so a harness killed mid-run leaves no capture running.
 */
export function spawnOnHost(argv: readonly string[]): ChildProcess {
  const child = spawn(PDEATHSIG[0]!, [...PDEATHSIG.slice(1), ...argv], { stdio: ['ignore', 'ignore', 'pipe'] });
  if (child.pid !== undefined) {
    const pid = child.pid;
    registerProcess(pid, { group: false, what: argv[0] ?? 'dumpcap' });
    child.once('exit', () => forgetProcess(pid));
  }
  return child;
}

/** `spawn(argv)` starts dumpcap where the runtime wants it (a namespace, the host) with stderr piped. */
export async function startDumpcap(spawn: (argv: string[]) => ChildProcess, options: DumpcapOptions): Promise<Capture> {
  const child = spawn(dumpcapArgv(options));
  await new Promise<void>((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`dumpcap in ${options.where} did not open ${options.file}: ${err.trim()}`));
    }, START_TIMEOUT_MS);
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      err = (err + d).slice(-2048);
      if (/^File: /m.test(err)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`dumpcap could not start in ${options.where}: ${e.message} (apt-get install tshark)`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`dumpcap in ${options.where} exited (${code}): ${err.trim()}`));
    });
  });
  let stopping: Promise<void> | undefined;
  return {
    file: options.file,
    stop: (quietSince = Date.now()) =>
      (stopping ??= (async () => {
        const wait = quietSince + DUMPCAP_DELIVERY_MS - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        if (child.exitCode !== null || child.signalCode !== null) return;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGINT');
        });
      })()),
  };
}
