/** Pieces every shim's session shares: skips, route checks, one visit at a time, timing. */
import type { X509Certificate } from 'node:crypto';
import { certificatesFromPemFiles } from './chain.ts';
import { withProbedChain } from './probe.ts';
import type { Availability, ClientLauncher, ClientSession, Observation, Route, TrustState, VisitTarget } from './types.ts';

export interface BinaryOptions {
  /** path or name of the client binary (tests point this at a missing file to see the skip) */
  binary?: string;
}

export function skippedSession(reason: string): ClientSession {
  return {
    visit: async () => ({ outcome: 'skipped', detail: reason, durationMs: 0 }),
    close: async () => undefined,
  };
}

export function unsupportedRoute(client: string, route: Route, supported: Route['kind'][]): Observation | undefined {
  if (supported.includes(route.kind)) return undefined;
  return {
    outcome: 'skipped',
    detail: `${client} cannot apply a ${route.kind} route natively; it supports: ${supported.join(', ')}`,
    durationMs: 0,
  };
}

/** Availability is asked once per shim instance; clients do not appear or vanish mid-run. */
export function cachedProbe(probe: () => Promise<Availability>): () => Promise<Availability> {
  let pending: Promise<Availability> | undefined;
  return () => (pending ??= probe());
}

export interface VisitContext {
  anchors: X509Certificate[];
}

/**
 * Wraps a shim's raw visit: route check, duration, the probe fallback for refusals without a
 * chain, and serialisation (a client's state dir and long-lived process serve one visit at a time).
 */
export function makeSession(options: {
  client: string;
  routes: Route['kind'][];
  state: TrustState;
  visit: (target: VisitTarget, context: VisitContext) => Promise<Omit<Observation, 'durationMs'>>;
  close?: () => Promise<void>;
  /** the lab's launcher: the chain probe must start where the client did */
  launcher?: ClientLauncher;
}): ClientSession {
  const context: VisitContext = { anchors: certificatesFromPemFiles(options.state.anchors) };
  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;
  const visitOnce = async (target: VisitTarget): Promise<Observation> => {
    if (closed) return { outcome: 'skipped', detail: `${options.client} session is closed`, durationMs: 0 };
    const skip = unsupportedRoute(options.client, target.route, options.routes);
    if (skip) return skip;
    const started = performance.now();
    const observed = await options.visit(target, context);
    const durationMs = Math.round(performance.now() - started);
    return withProbedChain({ ...observed, durationMs }, target, context.anchors, options.launcher);
  };
  return {
    visit(target) {
      const result = queue.then(() => visitOnce(target));
      queue = result.catch(() => undefined);
      return result;
    },
    async close() {
      closed = true;
      // Kill first: a visit stuck on a hung client would otherwise hold close() until its timeout.
      await options.close?.();
      await queue;
    },
  };
}
