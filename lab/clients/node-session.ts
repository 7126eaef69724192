/**
 * Sessions for the two Node library clients (node, undici). On the host the visit runs in the
 * harness process. On a lab with a launcher the harness's own sockets must not reach the lab, so
 * the very same visit function runs in a child Node started through the launcher
 * (node-visit-main.ts): one per session, as the harness process is one on the host, a request
 * line in and the observation as one JSON line out per visit. Each visit opens its own sockets
 * and dispatcher and closes them, so nothing of one visit reaches the next.
 */
import { fileURLToPath } from 'node:url';
import { nodeTsArgv } from './node-ts-argv.ts';
import { LineChild, LineTimeoutError } from './line-child.ts';
import { nodeTrust, type NodeTrust } from './node-tls.ts';
import { makeSession } from './session.ts';
import type { ClientLauncher, ClientSession, Observation, Route, TrustState, VisitTarget } from './types.ts';

export type NodeClient = 'node' | 'undici';
export type NodeVisit = (target: VisitTarget, trust: NodeTrust) => Promise<Omit<Observation, 'durationMs'>>;

/** a request line of node-visit-main.ts; only what nodeTrust reads crosses over */
export interface NodeVisitRequest {
  client: NodeClient;
  target: VisitTarget;
  state: Pick<TrustState, 'anchors' | 'pins'>;
}

const VISIT_MAIN = fileURLToPath(new URL('./node-visit-main.ts', import.meta.url));
// Node + tsx start in ~0.3 s idle (several times that under load); the child keeps the visit's own deadline.
const CHILD_START_ALLOWANCE_MS = 5_000;

export function prepareNodeSession(spec: {
  client: NodeClient;
  routes: Route['kind'][];
  state: TrustState;
  workDir: string;
  launcher?: ClientLauncher | undefined;
  visit: NodeVisit;
}): Promise<ClientSession> {
  const { client, routes, state, launcher } = spec;
  if (!launcher) {
    return Promise.resolve(makeSession({
      client, routes, state,
      visit: (target, context) => spec.visit(target, nodeTrust(state, context.anchors)),
    }));
  }
  let child: LineChild | undefined;
  // started at the first visit, and again after a visit killed or crashed it
  const running = (): LineChild => (child?.alive ? child : (child = new LineChild(nodeTsArgv(VISIT_MAIN), launcher)));
  return Promise.resolve(makeSession({
    client, routes, state, launcher,
    async visit(target) {
      const request: NodeVisitRequest = { client, target, state: { anchors: state.anchors, pins: state.pins ?? [] } };
      const visitor = running();
      let line: string | undefined;
      try {
        line = await visitor.request(JSON.stringify(request), target.timeoutMs + CHILD_START_ALLOWANCE_MS);
      } catch (error) {
        if (error instanceof LineTimeoutError) return { outcome: 'refused', error: 'timeout', detail: visitor.diagnostics };
        throw error;
      }
      try {
        if (line !== undefined) return JSON.parse(line) as Omit<Observation, 'durationMs'>;
      } catch {
        // a line that is not a verdict: reported below, and the process is not trusted with another visit
        visitor.kill();
      }
      return { outcome: 'refused', error: `exit-${visitor.exitCode}`, detail: `${client} visit process gave no verdict: ${visitor.diagnostics}` };
    },
    close: async () => {
      await child?.stop();
    },
  }));
}
