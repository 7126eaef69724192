/**
 * Where a scenario's hosts live. A runtime turns a topology (origins with their certificates, an
 * interception policy) into a running lab and tells the harness how each client reaches each
 * site. loopback is the first; netns and containers implement the same interface and report what
 * they cannot do (a route kind, a feature) as unsupported, with the reason, so rows get skipped.
 */
import type { ClientLauncher, Route } from '../clients/types.ts';
import type { AuthorityMaterial, Forger } from '../ca/types.ts';
import type { OriginClientHello } from '../detectors/evidence.ts';
import type { EngineEvent, TargetPolicy, UpstreamPolicy } from '../proxy/types.ts';
import type { Interceptor, TapEvent } from '../boxes/types.ts';

export type RouteKind = Route['kind'];

export interface OriginSpec {
  /** the site's DNS name: what clients put in the URL and in SNI */
  name: string;
  /** what the origin serves: leaf + intermediates as PEM, and its key */
  chainPem: string;
  keyPem: string;
}

export interface InterceptionSpec {
  targets: TargetPolicy;
  forger: Forger;
  upstream: UpstreamPolicy;
}

/** A box the lab did not write, in place of the lab's engine (the interception spec still says what it should do). */
export interface ForeignBox {
  interceptor: Interceptor;
  /** the scenario's rogue authority (the box forges with its issuing CA) */
  authority: AuthorityMaterial;
  /** PEM file of the lab's public PKI, the anchors a box verifies origins against */
  upstreamCaFile: string;
  /** sites whose origin presents a broken certificate */
  brokenSites: readonly string[];
}

export interface Topology {
  origins: OriginSpec[];
  /** absent: the box relays everything untouched (a baseline), so every route kind still works */
  interception?: InterceptionSpec;
  /** with interception: another box than the lab's engine does it */
  box?: ForeignBox;
  /** a directory the runtime may write into; the caller removes it */
  workDir: string;
  /** lanes to prepare (one per unit that may run at once); a runtime may add more on demand or make lease() wait */
  lanes?: number;
  /** capture the lab's traffic and keep key log lines per connection, for per-cell captures */
  capture?: boolean;
}

/** What an origin saw of one request: the detectors compare it with what the client sent. */
export interface OriginVisit {
  time: number;
  sni?: string;
  ja3?: string;
  ja4?: string;
  tlsVersion?: string;
  alpn?: string;
  userAgent?: string;
  /** the whole ClientHello as it arrived (runtimes that can see it): what ua-vs-clienthello compares */
  clientHello?: OriginClientHello;
  method: string;
  path: string;
  /** address the connection came from (the box, or the client itself on passthrough) */
  peer: string;
}

/** An event of the box as a lab records it (connection ids are unique per lab): the engine's own, or the tap's in front of another box. */
export type LabEngineEvent = EngineEvent | TapEvent;

/** A TLS connection an origin received (its handshake, finished or failed), whoever sent it. */
export interface OriginContact {
  time: number;
  /** host:port the connection came from (the box, or the client itself when no box is on the path) */
  peer: string;
  sni?: string;
  /** the handshake failed at the origin (e.g. the client refused its certificate) */
  error?: string;
}

/** One cell of the grid as a lab records it: the scenario is the lab's own. */
export interface CellKey {
  state: string;
  client: string;
  site: string;
  /** 1 for the first try; retries count up */
  attempt: number;
}

/** What the box recorded about one client connection, every event in order (accepted first). */
export interface ConnectionRecord {
  conn: number;
  events: LabEngineEvent[];
}

/** Files a cell's capture left, as absolute paths. */
export interface CellCapture {
  /** the client leg as the subscriber's side of the wire carried it */
  pcapng?: string;
  /** SSLKEYLOGFILE lines of this cell's connections, both legs */
  keylog?: string;
  /** why there is no capture, or why it is incomplete */
  problem?: string;
}

/**
 * Everything that happened for one cell, recorded as it happened: the box's connections that
 * came in on the cell's lane and named its site, what the origin received from it, and captures.
 */
export interface CellRecord {
  cell: CellKey;
  startedAt: number;
  endedAt: number;
  connections: ConnectionRecord[];
  /** TLS connections the origin received straight from this cell's client (no box on the path) */
  originContacts: OriginContact[];
  /** HTTP requests the origin answered for this cell (matched by the cell's URL tag) */
  originVisits: OriginVisit[];
  /** the chain the real origin serves for the site, leaf first: what a client sees when nothing intercepts */
  originChainPem: string[];
  /** the chain the cell's client reported it was shown, leaf first (its own output, or its probe's) */
  clientChainPem?: string[];
  capture?: CellCapture;
}

/** The URL and route one cell's client uses; the URL carries a tag the origin records. */
export interface CellTicket {
  url: string;
  route(kind: RouteKind): Route;
}

/**
 * A lane: a channel into the lab that the runtime recognises on the wire (its own door addresses,
 * client namespace or door ports). One unit of the grid holds it at a time and runs its cells one
 * after another, so every connection that arrives on it belongs to that unit, and within the unit
 * to the cell whose site it named.
 */
export interface Lane {
  readonly id: number;
  /** where this lane's clients must start (netns: its own client namespace) */
  readonly clientLauncher?: ClientLauncher;
  /** opens a cell: connections on this lane naming its site from now on are the cell's */
  startCell(cell: CellKey, options?: { capture?: string }): Promise<CellTicket>;
  /** closes the open cell; `seen` is what its client reported being shown */
  endCell(seen?: { chainPem?: readonly string[] }): Promise<void>;
  /** after the unit's client session has closed: every cell's record; the lane is free again */
  release(): Promise<LaneRecord>;
}

export interface LaneRecord {
  cells: CellRecord[];
  /** connections that came in on the lane but named no cell's site (e.g. a browser's background call) */
  strays: ConnectionRecord[];
}

/** What TTL-limited ClientHellos from the client's place showed about one site's path. */
export interface PathProbe {
  site: string;
  /** smallest TTL that drew any certificate back (null: none at any TTL) */
  firstCertificateHop: number | null;
  /** smallest TTL that drew a certificate no genuine issuer signed (null: never forged) */
  interceptorHop: number | null;
  /** the lab host at interceptorHop (gw, r1, ...) */
  interceptorHost: string | null;
}

export interface PathLocalisation {
  probes: PathProbe[];
  /** the untargeted name probed for comparison, and the hop its genuine certificate came from */
  control: { site: string; originHop: number | null; originHost: string | null };
  ms: number;
}

export interface LocaliseRequest {
  sites: readonly string[];
  control: string;
  /** PEM of the CAs that sign genuine origin certificates; anything else counts as forged */
  genuineIssuersPem: readonly string[];
}

export interface Lab {
  readonly runtime: string;
  /**
   * Present when clients must start inside the lab: a process on the host must never reach its
   * addresses (netns: the host's default route leads off the machine). Shims wrap with it.
   */
  readonly clientLauncher?: ClientLauncher;
  /** TTL-limited probes from the client's place (only where routers decrement TTL on the path) */
  localise?(request: LocaliseRequest): Promise<PathLocalisation>;
  /**
   * On a routed lab, the TTL a client's packet needs to reach the gateway where the box sits: the
   * topology's own number, which expectations may name (`intercepted:hop-gateway`, the probe client)
   */
  readonly gatewayHop?: number;
  /** route kinds this lab can give a client, in the order it prefers them */
  readonly routeKinds: readonly RouteKind[];
  /** the URL a client should fetch for a site (names, ports) */
  urlFor(site: string): string;
  /** how a client reaches the site through the lab; throws for a kind not in routeKinds */
  routeFor(site: string, kind: RouteKind): Route;
  originView(site: string): readonly OriginVisit[];
  engineEvents(): readonly LabEngineEvent[];
  /** a lane for one unit; waits while every lane is taken */
  lease(): Promise<Lane>;
  /**
   * The site's chain as a vantage point off the box's path sees it (Hyperquack's second vantage):
   * PEM per certificate, leaf first, or why there is no such vantage point here.
   */
  vantageChain?(site: string): Promise<string[] | { skipped: string }>;
  /** stops everything this lab started; safe to call twice */
  down(): Promise<void>;
}

export interface RuntimeAvailability {
  available: boolean;
  reason?: string;
}

export interface Runtime {
  readonly name: string;
  /** the box sits on the clients' IP path (transparent interception with real hops), not at a door */
  readonly interceptsOnPath?: boolean;
  /** it can put a box the lab did not write in the engine's place (Topology.interception.box) */
  readonly hostsForeignBoxes?: boolean;
  probe(): Promise<RuntimeAvailability>;
  up(topology: Topology): Promise<Lab>;
}
