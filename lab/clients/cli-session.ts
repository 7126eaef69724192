/**
 * What every command-line shim's session shares: the availability check, the anchor bundle, the
 * children a close() must kill, and how a run that never produced an answer reads.
 */
import { ChildTracker, runClient, tail, type RunOptions, type RunResult } from './process.ts';
import { makeSession, skippedSession, type VisitContext } from './session.ts';
import { writeAnchorBundle } from './trust.ts';
import type { Availability, ClientLauncher, ClientSession, Observation, Route, TrustState, VisitTarget } from './types.ts';

type RawObservation = Omit<Observation, 'durationMs'>;

export interface CliSessionSpec {
  client: string;
  /** the binary as users know it, in messages ("gnutls-cli", "python3") */
  label: string;
  /** a function when the binary is only known after probing (python's resolved interpreter) */
  binary: string | (() => string);
  routes: Route['kind'][];
  state: TrustState;
  workDir: string;
  launcher?: ClientLauncher | undefined;
  probe: () => Promise<Availability>;
}

export interface CliVisitKit {
  /** PEM file with exactly the state's anchors */
  bundle: string;
  /** runs the client; a binary that cannot start or a run that times out is already an observation */
  run(args: readonly string[], options: Omit<RunOptions, 'launcher'> & { timeoutDetail?: 'stdout' | 'stderr' }): Promise<RunResult | { unanswered: RawObservation }>;
}

export async function prepareCliSession(
  spec: CliSessionSpec,
  visit: (target: VisitTarget, context: VisitContext, kit: CliVisitKit) => Promise<RawObservation>,
): Promise<ClientSession> {
  const availability = await spec.probe();
  if (!availability.available) return skippedSession(availability.reason ?? `${spec.label} unavailable`);
  const tracker = new ChildTracker();
  const kit: CliVisitKit = {
    bundle: writeAnchorBundle(spec.state, spec.workDir),
    async run(args, { timeoutDetail = 'stderr', ...options }) {
      const binary = typeof spec.binary === 'function' ? spec.binary() : spec.binary;
      const run = await runClient(binary, [...args], { ...options, ...(spec.launcher && { launcher: spec.launcher }) }, tracker);
      if (run.spawnError) return { unanswered: { outcome: 'skipped', detail: `${spec.label} could not start: ${run.spawnError}` } };
      if (run.timedOut) return { unanswered: { outcome: 'refused', error: 'timeout', detail: tail(run[timeoutDetail]) } };
      return run;
    },
  };
  return makeSession({
    client: spec.client,
    routes: spec.routes,
    state: spec.state,
    ...(spec.launcher && { launcher: spec.launcher }),
    visit: (target, context) => visit(target, context, kit),
    close: async () => tracker.killAll(),
  });
}
