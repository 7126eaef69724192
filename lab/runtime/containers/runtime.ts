import type { Runtime } from '../types.ts';
import { probeContainerEngine } from './service.ts';
import { callEngine, endpointFromDockerHost } from './engine-api.ts';

const ENGINE_PING_MS = 5_000;
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
    // mitmproxy, sslsplit and squid run transparently in the gateway container (gateway-box.ts)
    hostsForeignBoxes: true,
    async probe() {
      const availability = probeContainerEngine();
      if (!availability.available || !process.env.DOCKER_HOST) return availability;
      // a given engine must answer now: a wrong DOCKER_HOST is a one-line refusal, not a failed run
      const answer = await callEngine(endpointFromDockerHost(process.env.DOCKER_HOST), 'GET', '/_ping', ENGINE_PING_MS).catch((err: Error) => ({ status: 0, body: err.message }));
      return answer.status === 200 ? availability : { available: false, reason: `DOCKER_HOST=${process.env.DOCKER_HOST} does not answer (${answer.status ? `HTTP ${answer.status}` : answer.body})` };
    },
    async up(topology) {
      const session = await acquireContainerSession();
      return upContainersLab(session, topology, options);
    },
  };
}

export const containersRuntime: ContainersRuntime = createContainersRuntime();
