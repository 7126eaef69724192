/**
 * Where a scenario's hosts live. A runtime turns a topology (origins with their certificates, an
 * interception policy) into a running lab and tells the harness how each client reaches each
 * site. loopback is the first; netns and containers implement the same interface and report what
 * they cannot do (a route kind, a feature) as unsupported, with the reason, so rows get skipped.
 */
import type { ClientLauncher, Route } from '../clients/types.ts';
import type { Forger } from '../ca/types.ts';
import type { OriginClientHello } from '../detectors/evidence.ts';
import type { EngineEvent, FrontDoor, TargetPolicy, UpstreamPolicy } from '../proxy/types.ts';

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

export interface Topology {
  origins: OriginSpec[];
  /** absent: the box relays everything untouched (a baseline), so every route kind still works */
  interception?: InterceptionSpec;
  /** a directory the runtime may write into; the caller removes it */
  workDir: string;
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

/** An engine event tagged with the door it came through (connection ids are per door). */
export type LabEngineEvent = EngineEvent & { door?: FrontDoor };

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
  /** route kinds this lab can give a client, in the order it prefers them */
  readonly routeKinds: readonly RouteKind[];
  /** the URL a client should fetch for a site (names, ports) */
  urlFor(site: string): string;
  /** how a client reaches the site through the lab; throws for a kind not in routeKinds */
  routeFor(site: string, kind: RouteKind): Route;
  originView(site: string): readonly OriginVisit[];
  engineEvents(): readonly LabEngineEvent[];
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
  probe(): Promise<RuntimeAvailability>;
  up(topology: Topology): Promise<Lab>;
}
