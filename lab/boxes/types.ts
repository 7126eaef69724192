/**
 * Boxes the lab did not write: mitmproxy, sslsplit, squid ssl-bump, http-mitm-proxy, a user's own
 * proxy. Each is a plug-in behind one interface: given the scenario's policy (the rogue CA, the
 * targets, the upstream policy) it maps what it can onto the box's own configuration, declares
 * what it cannot, starts the box, and says where its doors are. The lab's own engine is the box
 * the runtimes run natively (it reports its own events); every other box is fronted by the lab's
 * tap (lab/boxes/tap.ts), which records what a client sends it.
 */
import type { AuthorityMaterial } from '../ca/types.ts';
import type { Destination, TargetPolicy, UpstreamPolicy } from '../proxy/types.ts';

/**
 * What the lab's tap sees of a box's answer, beside the engine-style events it also records
 * (accepted, tunnel, client-hello, closed): the box's ServerHello and, where the protocol sends it
 * in the clear (TLS 1.2), the chain it served.
 */
export type TapEvent =
  | { type: 'server-hello'; conn: number; time: number; version?: string; cipher?: number }
  | { type: 'server-certificate'; conn: number; time: number; chainPem: string[] }
  /** the box refused the tunnel or the connection (its CONNECT answer, or a close before any answer) */
  | { type: 'box-refused'; conn: number; time: number; reason: string };

export interface BoxPolicy {
  /** the rogue authority: its issuing CA (the last intermediate, else the root) signs the box's leaves */
  authority: AuthorityMaterial;
  targets: TargetPolicy;
  upstream: UpstreamPolicy;
  /** PEM file of the anchors a box verifies origins against (the lab's public PKI) */
  upstreamCaFile: string;
  /** where a site really lives (loopback: its origin's address and port) */
  resolve(name: string): Destination | undefined;
  /** every site of the scenario, for boxes that need names up front (squid's hosts file) */
  sites: readonly string[];
  /** sites whose origin presents a broken certificate (expired, wrong host, self-signed...) */
  brokenSites: readonly string[];
}

/** A limitation the box declares: rows of the sites it touches say so. */
export interface Limitation {
  /** what the box cannot do, in one line ("sslsplit does not verify upstream certificates") */
  text: string;
  /** the scenario sites it changes the outcome of; absent: every row of the box */
  sites?: readonly string[];
}

/** Where a started box takes connections; the tap forwards a lane's connections here. */
export type BoxDoors =
  /** an explicit proxy: the tap sends CONNECT site:port (or the origin's address, `connectByAddress`) */
  | { kind: 'connect'; address: Destination; connectByAddress?: boolean }
  /** one TLS listener per site with a fixed upstream (a box without a CONNECT door, e.g. sslsplit) */
  | { kind: 'per-site'; listeners: ReadonlyMap<string, Destination> };

export interface RunningBox {
  doors: BoxDoors;
  /** the root a client must trust to accept this box's forged chains (the scenario's, or the box's own) */
  caPem: string;
  /** a key log in SSLKEYLOGFILE format the box writes, if it writes one */
  keylogFile?: string;
  /** what the box wrote about itself, for error messages */
  logTail(): string;
  stop(): Promise<void>;
}

/** A transparently intercepting box inside a gateway (netns or containers): flows are redirected to `port`. */
export interface RunningTransparentBox {
  port: number;
  caPem: string;
  keylogFile?: string;
  logTail(): string;
  stop(): Promise<void>;
}

/** Runs a command inside the lab's gateway (the netns runtime's namespace, the containers runtime's container). */
export interface GatewayPlace {
  /** spawns a long-lived process there, dying with the lab */
  spawn(argv: readonly string[], options: { logFile: string; env?: Record<string, string> }): { exited(): boolean; logTail(): string; stop(): Promise<void> };
  /** waits until something listens on `port` there */
  waitListening(port: number, timeoutMs: number): Promise<void>;
  /** a directory visible both here and inside the lab */
  workDir: string;
  /** a fresh directory, visible on both sides, that a box dropping to its own user can enter (removed with removeRegisteredDir) */
  userDir(prefix: string, what: string): string;
}

export interface Interceptor {
  readonly name: string;
  /** one line for reports: the box and how the lab configures it */
  readonly settings: string;
  /** undefined when it can run here; else why not, naming the package that provides it */
  missing(): string | undefined;
  /** why this box cannot take this policy at all (e.g. a key type it cannot sign with), if it cannot */
  unsupported?(policy: BoxPolicy): string | undefined;
  /** what this box cannot express of the policy */
  limitations(policy: BoxPolicy): Limitation[];
  /** loopback: a box on 127.0.0.1 the lab's taps forward to */
  start(policy: BoxPolicy, workDir: string): Promise<RunningBox>;
  /** netns and containers: the box in the gateway, intercepting redirected flows; absent: it has no transparent mode */
  startTransparent?(policy: BoxPolicy, place: GatewayPlace): Promise<RunningTransparentBox>;
}

/** The issuing CA of an authority: the certificate (and key) a box signs its leaves with. */
export function issuingCa(authority: AuthorityMaterial): { certPem: string; keyPem: string; chainPem: string[] } {
  const [issuing, ...above] = authority.intermediates;
  if (!issuing) return { certPem: authority.root.certPem, keyPem: authority.root.keyPem, chainPem: [] };
  return { certPem: issuing.certPem, keyPem: issuing.keyPem, chainPem: above.map((i) => i.certPem) };
}
