/**
 * Where a scenario's hosts live. A runtime turns a topology (origins with their certificates, an
 * interception policy) into a running lab and tells the harness how each client reaches each
 * site. loopback is the first; netns and containers implement the same interface and report what
 * they cannot do (a route kind, a feature) as unsupported, with the reason, so rows get skipped.
 */
import type { Route } from '../clients/types.ts';
import type { Forger } from '../ca/types.ts';
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
  method: string;
  path: string;
  /** address the connection came from (the box, or the client itself on passthrough) */
  peer: string;
}

/** An engine event tagged with the door it came through (connection ids are per door). */
export type LabEngineEvent = EngineEvent & { door?: FrontDoor };

export interface Lab {
  readonly runtime: string;
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
  probe(): Promise<RuntimeAvailability>;
  up(topology: Topology): Promise<Lab>;
}
