import type { Runtime } from '../types.ts';
import { probeContainerEngine } from './service.ts';
import { acquireContainerSession } from './session.ts';
import { upContainersLab, type ContainersLab } from './containers-lab.ts';
import type { Topology } from '../types.ts';

/**
 * `--runtime containers`: the scenario's hosts as podman (or Docker) containers driven by
 * testcontainers. Clients the harness runs on the host reach the gateway's SNI/CONNECT doors over
 * the clients' bridge; clients run inside the client container (execInClient) go through the
 * transparent redirect like a real subscriber's traffic.
 */
export interface ContainersRuntime extends Runtime {
  up(topology: Topology): Promise<ContainersLab>;
}

export const containersRuntime: ContainersRuntime = {
  name: 'containers',
  probe: async () => probeContainerEngine(),
  async up(topology) {
    const session = await acquireContainerSession();
    return upContainersLab(session, topology);
  },
};
