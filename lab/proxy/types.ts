/**
 * Contracts of the interception engine. Events are typed data, never log strings: detectors,
 * the harness and `tlslab proxy --events` consume them.
 */
import type { Forger } from '../ca/types.ts';

export type HandshakeFailureCause = 'cert-rejected' | 'closed' | 'reset' | 'protocol' | 'timeout';

interface EventBase {
  /** connection id, unique within one engine across all of its doors */
  conn: number;
  /** ms since epoch */
  time: number;
}

export type EngineEvent =
  /** a client connected: the first event of every connection; runtimes attribute it to a lane by these addresses */
  | (EventBase & { type: 'accepted'; door: FrontDoor; local: string; remote: string })
  /** the CONNECT door accepted a tunnel request for this authority */
  | (EventBase & { type: 'tunnel'; target: string })
  | (EventBase & { type: 'client-hello'; sni?: string; alpn?: string[]; ja3?: string; ja4?: string; version?: string })
  | (EventBase & { type: 'decision'; action: 'intercept' | 'passthrough' | 'reject'; reason: string; sni?: string; destination?: string })
  /** the box's own ClientHello toward the origin; `local`: its end of that upstream connection */
  | (EventBase & { type: 'upstream-hello'; ja3?: string; ja4?: string; destination: string; local?: string })
  /**
   * The chain the engine offered the client on this connection, leaf first, as the TLS server was
   * started with it: the record that makes a cell "intercepted" (no one re-forges it afterwards).
   */
  | (EventBase & { type: 'served'; forged: true; sni: string; chainPem: string[] })
  | (EventBase & { type: 'handshake-failed'; side: 'client' | 'upstream'; cause: HandshakeFailureCause; alert?: string; message: string })
  | (EventBase & { type: 'plaintext-seen'; bytes: number; requestLine?: string; host?: string })
  | (EventBase & {
      type: 'closed';
      bytesFromClient: number;
      bytesToClient: number;
      durationMs: number;
      /** why the connection ended abnormally after the handshakes (e.g. the origin reset it mid-stream) */
      error?: string;
    });

export type EngineEventType = EngineEvent['type'];

/** Which SNIs get intercepted. Exact names only unless `wildcard` is set. */
export interface TargetPolicy {
  names: ReadonlySet<string>;
  /** intercept every name (explicit opt-in, never implied) */
  wildcard?: boolean;
}

export interface UpstreamPolicy {
  /** verify the origin's certificate; false = a "laundering" middlebox hiding upstream errors */
  verify: boolean;
  /** PEM anchors to verify the origin against (the lab's public PKI) */
  caPem?: string[];
  /** 2019 trigger: intercept only when the origin presents a valid certificate, else passthrough */
  interceptOnlyIfUpstreamValid?: boolean;
  /** cap the upstream leg to model a weak box (the 2019 box offered TLS 1.2 with 13 suites) */
  maxVersion?: 'TLSv1.2' | 'TLSv1.3';
  ciphers?: string;
}

export interface Destination {
  host: string;
  port: number;
}

export type FrontDoor = 'connect' | 'sni' | 'transparent';

export interface EngineOptions {
  listen: { host: string; port: number };
  mode: FrontDoor;
  targets: TargetPolicy;
  forger: Forger;
  upstream: UpstreamPolicy;
  /**
   * SNI and CONNECT doors: where a name really lives (the lab's resolver); a name it does not know
   * is refused. Without it the CONNECT door dials the requested host itself. Transparent door: unused.
   */
  resolve?: (name: string, port: number) => Destination | undefined;
  /** SSLKEYLOGFILE-format key log for both legs */
  keylogFile?: string;
  /** every key log line with the connection it belongs to (both legs), e.g. to write per-cell key logs */
  onKeylog?: (conn: number, line: Buffer) => void;
  /** rewrite text/html bodies on intercepted connections (Censored Planet tested for it) */
  injectHtml?: string;
  /** transparent door: how to recover where the client was going; default: TPROXY local address, else conntrack */
  originalDestination?: OriginalDestinationLookup;
  /** ms from accept (or CONNECT's 200) to a complete ClientHello; default 10 000 */
  helloTimeoutMs?: number;
  /** ms for the origin: TCP connect, plus its TLS handshake when intercepting; default 10 000 */
  upstreamTimeoutMs?: number;
  /** ms for the client to finish the TLS handshake with the forged chain; default 10 000 */
  clientHandshakeTimeoutMs?: number;
  /** ms from the first byte of an HTTP request head (CONNECT door: from accept) to its end; default 10 000 */
  requestHeadTimeoutMs?: number;
  /** ms a connection may send nothing either way (keep-alive, relays, a silent client); default 30 000 */
  idleTimeoutMs?: number;
  /** ms a connection may last in all; default 600 000 */
  connectionTimeoutMs?: number;
  /** terminate HTTP/1.1 and re-issue requests over pooled upstream connections; default true. false = byte relay */
  httpLayer?: boolean;
}

/** The peer and local addresses of an accepted connection, as the kernel reports them. */
export interface AcceptedAddresses {
  remoteAddress: string;
  remotePort: number;
  localAddress: string;
  localPort: number;
}

/** Where a transparently redirected connection was really going (REDIRECT: conntrack; TPROXY: local address). */
export interface OriginalDestinationLookup {
  readonly method: string;
  lookup(accepted: AcceptedAddresses): Promise<Destination | undefined>;
}
