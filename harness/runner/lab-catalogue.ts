/**
 * The lab as the harness sees it: which clients, target lists, presets and forging profiles
 * exist, and whether each client can run here (probed once per process; probing starts JVMs).
 */
import { PRESETS, PROFILE_NAMES } from '../../lab/ca/index.ts';
import { clientShims } from '../../lab/clients/registry.ts';
import type { Availability, ClientShim } from '../../lab/clients/types.ts';
import { TARGET_LIST_NAMES } from '../../lab/proxy/targets.ts';
import { BOX_NAMES } from '../../lab/boxes/index.ts';
import type { Catalogue } from '../scenario/catalogue.ts';
import type { ClientSource } from './run-scenario.ts';

export function labCatalogue(): Catalogue {
  return {
    clients: clientShims().map((s) => s.name),
    targetLists: [...TARGET_LIST_NAMES],
    presets: [...PRESETS],
    forgingProfiles: [...PROFILE_NAMES],
    boxes: [...BOX_NAMES],
  };
}

const probes = new Map<string, Promise<Availability>>();

async function probeSafely(shim: ClientShim): Promise<Availability> {
  try {
    return await shim.probe();
  } catch (err) {
    return { available: false, reason: `probe failed: ${err instanceof Error ? err.message : String(err)}` };
  }
}

export function labClients(): ClientSource {
  const shims = new Map(clientShims().map((s) => [s.name, s]));
  return {
    shim: (name) => shims.get(name),
    availability: (name) => {
      const shim = shims.get(name);
      if (!shim) return Promise.resolve({ available: false, reason: `no shim named ${name}` });
      let probe = probes.get(name);
      if (!probe) probes.set(name, (probe = probeSafely(shim)));
      return probe;
    },
  };
}
