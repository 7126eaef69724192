/** Readiness by looking at the namespace's sockets (`ss`), bounded, failing fast if the daemon dies. */
import type { ChildProcess } from 'node:child_process';
import type { Holder } from './holder.ts';
import { waitFor } from './process.ts';

export async function waitForListener(
  holder: Holder,
  ns: string,
  proto: 'tcp' | 'udp',
  localAddress: string,
  child?: ChildProcess,
  timeoutMs = 5000,
): Promise<void> {
  let output = '';
  child?.stderr?.setEncoding('utf8').on('data', (d: string) => (output = (output + d).slice(-2000)));
  child?.stdout?.setEncoding('utf8').on('data', (d: string) => (output = (output + d).slice(-2000)));
  await waitFor(
    `${proto} listener ${localAddress} in ${ns}`,
    async () => {
      if (child && (child.exitCode !== null || child.signalCode !== null)) {
        throw new Error(`daemon in ${ns} exited (${child.exitCode ?? child.signalCode}) before listening on ${localAddress}: ${output.trim()}`);
      }
      const r = await holder.runIn(ns, ['ss', '-Hn', proto === 'tcp' ? '-lt' : '-lu'], { check: false });
      return r.stdout.split('\n').some((line) => line.split(/\s+/).includes(localAddress)) ? true : undefined;
    },
    { timeoutMs, intervalMs: 30 },
  );
}
