/**
 * Runtimes the harness can run a scenario on. Loaded on demand: the netns and containers modules
 * pull in more (and are younger); a loopback run should not depend on them loading.
 * A runtime that cannot run on this machine says why in probe().
 */
import { loopbackRuntime } from '../../lab/runtime/loopback.ts';
import type { Runtime } from '../../lab/runtime/types.ts';
import { UserError } from '../errors.ts';

interface RuntimeEntry {
  load(): Promise<Runtime>;
  /**
   * Work a run on this runtime will need, begun as soon as the runtime is chosen so that it
   * overlaps loading scenarios and building their PKI (a failure surfaces again at up()).
   */
  warm?(): void;
}

const RUNTIMES: Record<string, RuntimeEntry> = {
  loopback: { load: async () => loopbackRuntime },
  // this harness starts every client through Lab.clientLauncher (run-scenario.ts), which is the
  // promise clientsRunInLab stands for. Destination selection, as the 2019 box: untargeted flows
  // never meet it, so origins see the client and a TTL sweep to an untargeted site finds the origin.
  netns: {
    load: async () =>
      (await import('../../lab/runtime/netns/runtime.ts')).createNetnsRuntime({ routersBeforeGateway: 2, selection: 'destinations', clientsRunInLab: true }),
  },
  containers: {
    load: async () => (await import('../../lab/runtime/containers/runtime.ts')).containersRuntime,
    // the container engine and the image check (a second or more), while the CPU builds certificates
    warm: () => void import('../../lab/runtime/containers/session.ts').then((m) => m.acquireContainerSession()).catch(() => undefined),
  },
};

export function runtimeNames(): string[] {
  return Object.keys(RUNTIMES);
}

export async function resolveRuntime(name: string): Promise<Runtime> {
  const entry = RUNTIMES[name];
  if (!entry) throw new UserError(`unknown runtime "${name}"; available: ${runtimeNames().join(', ')}`);
  const runtime = await entry.load();
  const availability = await runtime.probe();
  if (!availability.available) throw new UserError(`runtime ${name} cannot run here: ${availability.reason ?? 'unknown reason'}`);
  entry.warm?.();
  return runtime;
}
