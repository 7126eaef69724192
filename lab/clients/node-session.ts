/**
 * Sessions for the two Node library clients (node, undici). On the host the visit runs in the
 * harness process. On a lab with a launcher the harness's own sockets must not reach the lab, so
 * each visit runs the very same visit function in a child Node started through the launcher
 * (node-visit-main.ts), which prints the observation as one JSON line.
 */
import { fileURLToPath } from 'node:url';
import { nodeTsArgv } from './node-ts-argv.ts';
import { prepareCliSession } from './cli-session.ts';
import { nodeTrust, type NodeTrust } from './node-tls.ts';
import { tail } from './process.ts';
import { makeSession } from './session.ts';
import type { ClientLauncher, ClientSession, Observation, Route, TrustState, VisitTarget } from './types.ts';

export type NodeClient = 'node' | 'undici';
export type NodeVisit = (target: VisitTarget, trust: NodeTrust) => Promise<Omit<Observation, 'durationMs'>>;

/** argv[2] of node-visit-main.ts; only what nodeTrust reads crosses over */
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
  const [node, ...nodeArgs] = nodeTsArgv(VISIT_MAIN);
  const cli = { client, label: client, binary: node!, routes, state, workDir: spec.workDir, launcher, probe: async () => ({ available: true }) };
  return prepareCliSession(cli, async (target, _context, { run: runChild }) => {
    const request: NodeVisitRequest = { client, target, state: { anchors: state.anchors, pins: state.pins ?? [] } };
    const run = await runChild([...nodeArgs, JSON.stringify(request)], { timeoutMs: target.timeoutMs + CHILD_START_ALLOWANCE_MS });
    if ('unanswered' in run) return run.unanswered;
    const line = run.stdout.trim().split('\n').pop() ?? '';
    try {
      return JSON.parse(line) as Omit<Observation, 'durationMs'>;
    } catch {
      return { outcome: 'refused', error: `exit-${run.exitCode}`, detail: `${client} visit process gave no verdict: ${tail(run.stderr)}` };
    }
  });
}
