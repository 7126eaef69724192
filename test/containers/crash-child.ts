/**
 * Helper for containers.test.ts (not a test itself): opens a container session, creates a labelled
 * network and a client container (its agent serving a socket), reports them, then waits to be
 * killed with SIGKILL so that only the run's supervisor can clean up. argv[2]: the lab's image,
 * already built by the parent.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { acquireContainerSession } from '../../lab/runtime/containers/session.ts';
import { createInternalNetwork } from '../../lab/runtime/containers/networks.ts';
import { newRunId, ownerTag, runLabels } from '../../lab/runtime/containers/labels.ts';
import { startClientContainer } from '../../lab/runtime/containers/role-containers.ts';
import { createLabTempDir } from '../../lab/runtime/registry/run.ts';

const image = process.argv[2] ?? '';
const session = await acquireContainerSession({ prebuilt: image });
const runId = newRunId();
const labels = runLabels(runId);
const network = await createInternalNetwork(session.engine.endpoint, `tlslab-${runId}-crash`, labels);
session.trackNetwork(network);
const shared = createLabTempDir('tlslab-share-', 'crash child shared dir');
const work = join(shared, 'work');
mkdirSync(work);
const container = await startClientContainer({ runId, labels, image }, 1, network, '127.0.0.1', join(shared, 'agent-1.sock'), [work, shared]);
process.stdout.write(
  JSON.stringify({ owner: ownerTag(), servicePid: session.engine.servicePid, serviceDir: session.engine.serviceDir, container: container.getId(), network: network.id, shared }) + '\n',
);
setInterval(() => {}, 60_000);
