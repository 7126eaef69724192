/**
 * Runtimes the harness can run a scenario on. netns and containers plug in here as they land;
 * a runtime that cannot run on this machine says why in probe().
 */
import { loopbackRuntime } from '../../lab/runtime/loopback.ts';
import type { Runtime } from '../../lab/runtime/types.ts';
import { UserError } from '../errors.ts';

const RUNTIMES: readonly Runtime[] = [loopbackRuntime];

export function runtimeNames(): string[] {
  return RUNTIMES.map((r) => r.name);
}

export async function resolveRuntime(name: string): Promise<Runtime> {
  const runtime = RUNTIMES.find((r) => r.name === name);
  if (!runtime) throw new UserError(`unknown runtime "${name}"; available: ${runtimeNames().join(', ')}`);
  const availability = await runtime.probe();
  if (!availability.available) throw new UserError(`runtime ${name} cannot run here: ${availability.reason ?? 'unknown reason'}`);
  return runtime;
}
