/**
 * node or undici visits in a process of their own, for labs whose launcher must start every client
 * (node-session.ts): one NodeVisitRequest per stdin line, one observation per stdout line, in
 * order. A visit that throws ends the process (the session reports it and starts another).
 */
import { createInterface } from 'node:readline';
import { certificatesFromPemFiles } from './chain.ts';
import { nodeTrust } from './node-tls.ts';
import type { NodeClient, NodeVisit, NodeVisitRequest } from './node-session.ts';

// imported on demand: undici alone costs tens of ms of start-up the node client does not need
const VISITS: Record<NodeClient, () => Promise<NodeVisit>> = {
  node: async () => (await import('./node.ts')).visitWithNode,
  undici: async () => (await import('./undici.ts')).visitWithUndici,
};

for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  if (!line.trim()) continue;
  const request = JSON.parse(line) as NodeVisitRequest;
  const visit = await VISITS[request.client]();
  const observation = await visit(request.target, nodeTrust(request.state, certificatesFromPemFiles(request.state.anchors)));
  await new Promise<void>((resolve) => process.stdout.write(`${JSON.stringify(observation)}\n`, () => resolve()));
}
// a socket or timer a visit left would otherwise hold the process after its session closed stdin
process.exit(0);
