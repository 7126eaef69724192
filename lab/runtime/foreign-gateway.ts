/**
 * A box the lab did not write, transparently in a gateway (the netns runtime's gateway namespace,
 * the containers runtime's gateway container): the box runs there in its own transparent mode and
 * every client :443 flow is redirected to it (it chooses its targets itself, as it would in the
 * field, from the SNI it reads). It reports nothing the lab can attribute, so cells' truth comes
 * from what their clients were shown (lab/runtime/cell-truth.ts). Each runtime says only how to
 * start a process in its gateway, run a command there, and redirect :443 there (GatewayHost).
 */
import type { ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import type { BoxPolicy, GatewayPlace, Interceptor } from '../boxes/types.ts';
import type { Destination } from '../proxy/types.ts';
import type { Topology } from './types.ts';
import { stopProcess, waitFor } from './netns/process.ts';

export interface GatewayHost {
  /** a directory visible both on the host and inside the gateway, at the same path */
  workDir: string;
  /** starts a long-lived process in the gateway; the host child lives exactly as long as it does */
  spawn(argv: readonly string[], env: Record<string, string>): ChildProcess;
  /** runs a command in the gateway to its end */
  run(argv: readonly string[], input?: string): Promise<{ stdout: string }>;
  /** a fresh directory a box that drops to its own user can enter, visible on both sides (removed with removeRegisteredDir) */
  userDir(prefix: string, what: string): string;
  /** sends every client :443 flow to `port` in the gateway */
  redirectAll(port: number): Promise<void>;
}

/** The policy a foreign box gets: the scenario's interception, the rogue authority, and where sites really live. */
export function foreignBoxPolicy(topology: Topology, resolve: (name: string) => Destination | undefined): BoxPolicy {
  const foreign = topology.box;
  const interception = topology.interception;
  if (!foreign || !interception) throw new Error("a foreign box needs the scenario's interception policy");
  return {
    authority: foreign.authority,
    targets: interception.targets,
    upstream: interception.upstream,
    upstreamCaFile: foreign.upstreamCaFile,
    resolve,
    sites: topology.origins.map((o) => o.name),
    brokenSites: foreign.brokenSites,
  };
}

function gatewayPlace(host: GatewayHost): GatewayPlace {
  return {
    workDir: host.workDir,
    userDir: (prefix, what) => host.userDir(prefix, what),
    spawn(argv, options) {
      const child = host.spawn(argv, options.env ?? {});
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
          const r = await host.run(['ss', '-Hnlt']);
          return r.stdout.split('\n').some((line) => new RegExp(`[:.]${port}\\s`).test(line)) ? true : undefined;
        },
        { timeoutMs, intervalMs: 100 },
      );
    },
  };
}

/** The box in the gateway, listening, with every :443 flow redirected to it; `close` stops it. */
export async function startForeignGateway(host: GatewayHost, interceptor: Interceptor, policy: BoxPolicy): Promise<{ sync(): Promise<void>; close(): Promise<void> }> {
  if (!interceptor.startTransparent) throw new Error(`${interceptor.name} has no transparent mode`);
  const box = await interceptor.startTransparent(policy, gatewayPlace(host));
  try {
    // every :443 flow meets the box: the selection is the box's own, by SNI
    await host.redirectAll(box.port);
  } catch (err) {
    await box.stop();
    throw new Error(`${interceptor.name} in the gateway: ${(err as Error).message}; it said: ${box.logTail()}`);
  }
  return { sync: async () => undefined, close: () => box.stop() };
}
