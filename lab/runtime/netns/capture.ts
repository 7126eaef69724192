/**
 * Packet capture inside a lab namespace with dumpcap (pcapng), one per cell. Readiness is
 * dumpcap's own "Capturing on" line: tshark -i takes seconds to start and misses handshakes (netns.md §8).
 */
import type { ChildProcess } from 'node:child_process';
import type { NetnsLab } from './lab.ts';

export interface Capture {
  file: string;
  stop(): Promise<void>;
}

export async function startCapture(lab: NetnsLab, host: string, interfaces: readonly string[], file: string, filter = 'tcp'): Promise<Capture> {
  const argv = ['dumpcap', '-q', ...interfaces.flatMap((i) => ['-i', i]), '-f', filter, '-w', file];
  const child = lab.spawn(host, argv);
  await new Promise<void>((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`dumpcap in ${host} did not start: ${err}`)), 5000);
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      err += d;
      if (err.includes('Capturing on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`dumpcap in ${host} exited (${code}): ${err}`));
    });
  });
  return { file, stop: () => stopDumpcap(child) };
}

/**
 * SIGINT lets dumpcap close the pcapng cleanly, but it stops at once: packets still in the capture
 * buffer (libpcap hands them over on its buffer timeout) would be lost, so let them drain first.
 */
async function stopDumpcap(child: ChildProcess, drainMs = 600): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise((r) => setTimeout(r, drainMs));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGINT');
  });
}
