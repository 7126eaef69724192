/**
 * Helper for containers.test.ts (not a test itself): opens a container session, creates a labelled
 * network and container, reports them, then waits to be killed with SIGKILL so that only the
 * run's supervisor can clean up. argv[2]: JSON of the role images already built by the parent.
 */
import { acquireContainerSession } from '../../lab/runtime/containers/session.ts';
import { createInternalNetwork } from '../../lab/runtime/containers/networks.ts';
import { LabContainer } from '../../lab/runtime/containers/lab-container.ts';
import { newRunId, ownerTag, runLabels } from '../../lab/runtime/containers/labels.ts';
import type { RoleImages } from '../../lab/runtime/containers/images.ts';
import { Wait } from 'testcontainers';

const images = JSON.parse(process.argv[2] ?? '{}') as RoleImages;
const session = await acquireContainerSession({ prebuilt: images });
const runId = newRunId();
const labels = runLabels(runId);
const network = await createInternalNetwork(session.engine.endpoint, `tlslab-${runId}-crash`, labels, { hostReachable: true });
session.trackNetwork(network);
const container = await new LabContainer(images.client)
  .withNetworkMode(network.name)
  .withLabels(labels)
  .withWaitStrategy(Wait.forLogMessage('tlslab-client ready'))
  .start();
process.stdout.write(
  JSON.stringify({ owner: ownerTag(), servicePid: session.engine.servicePid, serviceDir: session.engine.serviceDir, container: container.getId(), network: network.id }) + '\n',
);
setInterval(() => {}, 60_000);
