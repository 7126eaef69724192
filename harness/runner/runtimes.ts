/**
 * Runtimes the harness can run a scenario on. Loaded on demand: the netns and containers modules
 * pull in more (and are younger); a loopback run should not depend on them loading.
 * A runtime that cannot run on this machine says why in probe().
 */
import { loopbackRuntime } from '../../lab/runtime/loopback.ts';
import type { Runtime } from '../../lab/runtime/types.ts';
import { UserError } from '../errors.ts';

const RUNTIMES: Record<string, () => Promise<Runtime>> = {
  loopback: async () => loopbackRuntime,
  // this harness starts every client through Lab.clientLauncher (run-scenario.ts), which is the
  // promise clientsRunInLab stands for. Destination selection, as the 2019 box: untargeted flows
  // never meet it, so origins see the client and a TTL sweep to an untargeted site finds the origin.
  netns: async () =>
    (await import('../../lab/runtime/netns/runtime.ts')).createNetnsRuntime({ routersBeforeGateway: 2, selection: 'destinations', clientsRunInLab: true }),
  containers: async () => (await import('../../lab/runtime/containers/runtime.ts')).containersRuntime,
};

export function runtimeNames(): string[] {
  return Object.keys(RUNTIMES);
}

export async function resolveRuntime(name: string): Promise<Runtime> {
  const load = RUNTIMES[name];
  if (!load) throw new UserError(`unknown runtime "${name}"; available: ${runtimeNames().join(', ')}`);
  const runtime = await load();
  const availability = await runtime.probe();
  if (!availability.available) throw new UserError(`runtime ${name} cannot run here: ${availability.reason ?? 'unknown reason'}`);
  return runtime;
}
