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
  const argv = ['dumpcap', ...interfaces.flatMap((i) => ['-i', i]), '-f', filter, '-w', file];
  const child = lab.spawn(host, argv);
  const counter = { packets: 0, changedAt: Date.now() };
  await new Promise<void>((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`dumpcap in ${host} did not start: ${err}`)), 5000);
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      err += d;
      const counts = [...d.matchAll(/Packets: (\d+)/g)];
      const latest = Number(counts.at(-1)?.[1] ?? counter.packets);
      if (latest !== counter.packets) Object.assign(counter, { packets: latest, changedAt: Date.now() });
      if (err.length > 4096) err = err.slice(-1024);
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
  return { file, stop: () => stopDumpcap(child, counter) };
}

/**
 * SIGINT lets dumpcap close the pcapng cleanly, but it stops at once: packets still in the capture
 * buffer (libpcap hands them over on its buffer timeout) would be lost. A fixed 600 ms drain was
 * not enough under CI load, so wait until dumpcap's own "Packets: N" counter has been quiet for a
 * while (bounded, so an idle interface does not hold the run).
 */
async function stopDumpcap(child: ChildProcess, counter: { packets: number; changedAt: number }, quietMs = 600, maxMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const started = Date.now();
  while (Date.now() - started < maxMs && (Date.now() - counter.changedAt < quietMs || (counter.packets === 0 && Date.now() - started < 2000))) {
    await new Promise((r) => setTimeout(r, 100));
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGINT');
  });
}
