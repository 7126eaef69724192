/**
 * One node or undici visit in its own process, for labs whose launcher must start every client
 * (node-session.ts). argv[2] is a NodeVisitRequest; stdout gets the observation as one JSON line.
 */
import { certificatesFromPemFiles } from './chain.ts';
import { nodeTrust } from './node-tls.ts';
import type { NodeClient, NodeVisit, NodeVisitRequest } from './node-session.ts';

// imported on demand: undici alone costs tens of ms of start-up the node client does not need
const VISITS: Record<NodeClient, () => Promise<NodeVisit>> = {
  node: async () => (await import('./node.ts')).visitWithNode,
  undici: async () => (await import('./undici.ts')).visitWithUndici,
};

const request = JSON.parse(process.argv[2] ?? '') as NodeVisitRequest;
const visit = await VISITS[request.client]();
const observation = await visit(request.target, nodeTrust(request.state, certificatesFromPemFiles(request.state.anchors)));
// a socket or timer the visit left would otherwise hold the process until the launcher's kill
process.stdout.write(`${JSON.stringify(observation)}\n`, () => process.exit(0));
