/**
 * A box the lab did not write, transparently in the netns gateway: the box runs there in its own
 * transparent mode and every client :443 flow is REDIRECTed to it (it chooses its targets itself,
 * as it would in the field, from the SNI it reads). It reports nothing the lab can attribute, so
 * cells' truth comes from what their clients were shown (lab/runtime/cell-truth.ts).
 */
import { createWriteStream } from 'node:fs';
import type { BoxPolicy, GatewayPlace, Interceptor } from '../../boxes/types.ts';
import type { NetnsLab } from './lab.ts';
import { installInterception } from './interception.ts';
import { stopProcess, waitFor } from './process.ts';
import type { RunningGateway } from './gateway.ts';

function gatewayPlace(lab: NetnsLab, workDir: string): GatewayPlace {
  return {
    workDir,
    spawn(argv, options) {
      const child = lab.spawn(lab.plan.gateway, argv, options.env ?? {});
      const log = createWriteStream(options.logFile, { flags: 'a', mode: 0o600 });
      let tail = '';
      const keep = (d: Buffer) => {
        log.write(d);
        tail = (tail + d.toString()).slice(-2000);
      };
      child.stdout?.on('data', keep);
      child.stderr?.on('data', keep);
      child.once('exit', () => log.end());
      return {
        exited: () => child.exitCode !== null || child.signalCode !== null,
        logTail: () => tail.trim().split('\n').slice(-8).join('\n'),
        stop: () => stopProcess(child, 3_000),
      };
    },
    async waitListening(port, timeoutMs) {
      await waitFor(
        `a listener on port ${port} in the gateway`,
        async () => {
          const r = await lab.run(lab.plan.gateway, ['ss', '-Hnlt'], { check: false });
          return r.stdout.split('\n').some((line) => new RegExp(`[:.]${port}\\s`).test(line)) ? true : undefined;
        },
        { timeoutMs, intervalMs: 100 },
      );
    },
  };
}

export async function startForeignGateway(lab: NetnsLab, interceptor: Interceptor, policy: BoxPolicy, workDir: string): Promise<RunningGateway> {
  if (!interceptor.startTransparent) throw new Error(`${interceptor.name} has no transparent mode`);
  const box = await interceptor.startTransparent(policy, gatewayPlace(lab, workDir));
  try {
    // every :443 flow meets the box: the selection is the box's own, by SNI
    await installInterception(lab, { method: 'redirect', port: box.port, selection: { kind: 'all' } });
  } catch (err) {
    await box.stop();
    throw new Error(`${interceptor.name} in the gateway: ${(err as Error).message}; it said: ${box.logTail()}`);
  }
  return { sync: async () => undefined, close: () => box.stop() };
}
