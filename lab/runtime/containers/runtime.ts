import type { Runtime } from '../types.ts';
import { probeContainerEngine } from './service.ts';
import { acquireContainerSession } from './session.ts';
import { upContainersLab, type ContainersLab, type ContainersLabOptions } from './containers-lab.ts';
import type { Topology } from '../types.ts';

/**
 * `--runtime containers`: the scenario's hosts as podman (or Docker) containers driven by
 * testcontainers, clients included: each lane has its own client container, and the harness
 * starts every client in it through the lane's launcher (`exec`). The gateway sits on the
 * clients' IP path behind a router, as the 2019 box did, so path scenarios run here too.
 */
export interface ContainersRuntime extends Runtime {
  up(topology: Topology): Promise<ContainersLab>;
}

export function createContainersRuntime(options: ContainersLabOptions = {}): ContainersRuntime {
  return {
    name: 'containers',
    interceptsOnPath: true,
    probe: async () => probeContainerEngine(),
    async up(topology) {
      const session = await acquireContainerSession();
      return upContainersLab(session, topology, options);
    },
  };
}

export const containersRuntime: ContainersRuntime = createContainersRuntime();
