/**
 * Helper for crash.test.ts (not a test itself): a second containers run beside the one that
 * crashes. It opens a session (its own podman service), makes one network (its bridge is what
 * needs ip_forward), reports, and shuts down cleanly when its stdin says "close".
 */
import { acquireContainerSession, shutdownContainerSession } from '../../lab/runtime/containers/session.ts';
import { createInternalNetwork, removeNetwork } from '../../lab/runtime/containers/networks.ts';
import { newRunId, runLabels } from '../../lab/runtime/containers/labels.ts';
import { currentRunId } from '../../lab/runtime/registry/identity.ts';

// no container is started, so no image is needed (and none is checked)
const session = await acquireContainerSession({ prebuilt: 'localhost/tlslab/none:unused' });
const network = await createInternalNetwork(session.engine.endpoint, `tlslab-${newRunId()}-overlap`, runLabels(newRunId()));
session.trackNetwork(network);
process.stdout.write(JSON.stringify({ runId: currentRunId(), dockerHost: session.engine.dockerHost }) + '\n');
await new Promise<void>((resolve) => {
  process.stdin.on('data', (d: Buffer) => d.toString().includes('close') && resolve());
  process.stdin.on('end', () => resolve());
});
await removeNetwork(session.engine.endpoint, network);
await shutdownContainerSession();
process.stdout.write('closed\n');
