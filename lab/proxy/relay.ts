/**
 * A byte relay between two streams for any protocol: bytes are piped untouched, half-closes are
 * forwarded, and a reset on one side tears down the other. Counting is left to the sockets'
 * own byte counters so the relay adds no per-chunk work.
 */
import type { Duplex } from 'node:stream';

/** how long the second side may linger after the first has closed cleanly */
const LINGER_MS = 5_000;

export interface RelayOutcome {
  /** the first error seen on either side, if any (e.g. the origin reset mid-stream) */
  error?: { side: 'client' | 'upstream'; err: Error };
}

export function relay(client: Duplex, upstream: Duplex): Promise<RelayOutcome> {
  return new Promise((resolve) => {
    let outcome: RelayOutcome = {};
    let open = 2;
    const sideDone = () => {
      if (--open === 0) resolve(outcome);
    };
    const wire = (from: Duplex, to: Duplex, side: 'client' | 'upstream') => {
      from.on('error', (err: Error) => {
        if (!outcome.error) outcome = { error: { side, err } };
        to.destroy();
      });
      from.once('close', () => {
        if (!to.destroyed) {
          if (outcome.error) to.destroy();
          else {
            to.end();
            setTimeout(() => to.destroy(), LINGER_MS).unref();
          }
        }
        sideDone();
      });
      from.pipe(to);
    };
    wire(client, upstream, 'client');
    wire(upstream, client, 'upstream');
  });
}
