/**
 * How long each phase of a connection may take. Every wait on a peer is bounded: a client or an
 * origin that stops half-way (a slowloris, a silent socket, a black-holed origin) costs the engine
 * one timer, never a socket held forever.
 */
import type { EngineOptions } from './types.ts';

export interface EngineTimeouts {
  /** accept (or CONNECT's 200) → a complete ClientHello */
  hello: number;
  /** origin: TCP connect, plus its TLS handshake when intercepting */
  upstream: number;
  /** forged ServerHello → the client's Finished */
  clientHandshake: number;
  /** first byte of an HTTP request head (or accept, for a CONNECT request) → its blank line */
  requestHead: number;
  /** nothing sent either way: keep-alive between requests, a relay, a silent client */
  idle: number;
  /** the whole connection, whatever it is doing */
  connection: number;
}

/** Defaults, in ms. Generous for real clients on any lab network; a slowloris gets 10 s. */
export const DEFAULT_TIMEOUTS: Readonly<EngineTimeouts> = Object.freeze({
  hello: 10_000,
  upstream: 10_000,
  clientHandshake: 10_000,
  requestHead: 10_000,
  idle: 30_000,
  connection: 600_000,
});

/** The EngineOptions field that sets each timeout (also the name `closed` errors carry). */
export const TIMEOUT_OPTIONS: Readonly<Record<keyof EngineTimeouts, keyof EngineOptions>> = Object.freeze({
  hello: 'helloTimeoutMs',
  upstream: 'upstreamTimeoutMs',
  clientHandshake: 'clientHandshakeTimeoutMs',
  requestHead: 'requestHeadTimeoutMs',
  idle: 'idleTimeoutMs',
  connection: 'connectionTimeoutMs',
});

/** Node timers take at most 2^31-1 ms; a larger value would fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

export function resolveTimeouts(options: EngineOptions): EngineTimeouts {
  const resolved = { ...DEFAULT_TIMEOUTS };
  for (const phase of Object.keys(TIMEOUT_OPTIONS) as (keyof EngineTimeouts)[]) {
    const value = options[TIMEOUT_OPTIONS[phase]];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_TIMER_MS) {
      throw new RangeError(`${TIMEOUT_OPTIONS[phase]} must be a whole number of ms between 1 and ${MAX_TIMER_MS}, got ${String(value)}`);
    }
    resolved[phase] = value;
  }
  return resolved;
}

/** The error a connection that ran out of time ends with: names the phase and the option. */
export function timeoutError(phase: keyof EngineTimeouts, ms: number, what: string): string {
  return `timeout (${phase}): ${what} within ${ms} ms (${TIMEOUT_OPTIONS[phase]})`;
}
