/**
 * The one small interface every real client sits behind (BoGo / x509-limbo shim style: plain data
 * in, plain data out). The harness never knows how a client installs trust or reports an error.
 */

export type Outcome = 'loaded' | 'refused' | 'flagged' | 'skipped';

export interface ChainSeen {
  leafSubject: string;
  issuer: string;
  /** base64 SHA-256 of the leaf's SubjectPublicKeyInfo */
  leafSpkiSha256: string;
  /** base64 SHA-256 of the root's SPKI: the anchor the chain verified to, or a self-signed root at its top; absent when the chain reaches no root */
  rootSpkiSha256?: string;
  /** base64 SHA-256 of the SPKI of the top certificate the client was shown (the leaf itself when alone) */
  topSpkiSha256?: string;
  /** the certificates themselves, PEM, leaf first, as the client was shown them */
  chainPem?: string[];
}

export interface Observation {
  outcome: Outcome;
  /** the client's own, exact error: curl exit-60, openssl verify code, Java exception, net::ERR_... */
  error?: string;
  chain?: ChainSeen;
  /** HTTP status when the page loaded */
  status?: number;
  durationMs: number;
  /** anything a human needs to understand the verdict (stderr tail, reason for a skip) */
  detail?: string;
  /** files written for this cell (screenshots, logs), relative to the run's output dir or absolute */
  artefacts?: string[];
  /** retries the shim made (e.g. a browser's net::ERR_NETWORK_CHANGED) */
  retries?: number;
  /** where `chain` came from: the client's own output, or a second non-verifying probe */
  chainSource?: 'client' | 'probe';
}

/** What a client is told to believe, installed in its own native way inside throwaway state. */
export interface TrustState {
  /** PEM files of the anchors to trust: the lab's public PKI, plus the rogue root when installed */
  anchors: string[];
  /**
   * PEM files of the roots a vendor ships (the lab's web PKI), whatever the user installed on top:
   * what the `probe` client compares a chain with. Absent: the first anchor.
   */
  publicAnchors?: string[];
  /** SPKI SHA-256 (base64) pins; a chain with none of them must be refused where the client pins */
  pins?: string[];
  /** SPKI SHA-256 (base64) the client's vendor blocks (CRLSet BlockedSPKIs, OneCRL, ...) */
  blockSpki?: string[];
  /** SPKIs blocked as known interception (Chromium BlockedInterceptionSPKIs) */
  blockInterceptionSpki?: string[];
  /** SPKIs flagged as known interception without blocking (Chromium KnownInterceptionSPKIs) */
  knownInterceptionSpki?: string[];
  /**
   * PEM files of certificates whose keys the vendor blocks. Optional help for blocklists keyed on
   * more than an SPKI hash (Firefox OneCRL's subject + pubKeyHash form needs the subject); the
   * anchors and distrust lists are searched too.
   */
  blockCertificates?: string[];
  /** PEM files of certificates the client actively distrusts (NSS p,p,p and the like) */
  distrust?: string[];
  /** per-client knobs from the scenario (e.g. firefox pinning level) */
  settings?: Record<string, unknown>;
}

/** How to reach a site: the harness's runtime decides, the shim applies it natively. */
export type Route =
  /** open TCP to host:port and send the site's name as SNI (origin itself, or the engine's SNI door) */
  | { kind: 'direct'; host: string; port: number }
  /** an explicit HTTP CONNECT proxy */
  | { kind: 'connect'; host: string; port: number };

export interface VisitTarget {
  /** host name in the URL and in SNI */
  site: string;
  /** full URL, https://site[:port]/path */
  url: string;
  route: Route;
  timeoutMs: number;
  /** 1 for a cell's first try; a retry (the harness's --retries) counts up */
  attempt?: number;
}

export interface Availability {
  available: boolean;
  version?: string;
  /** why not, and which package provides the client (e.g. "apt-get install gnutls-bin") */
  reason?: string;
}

/**
 * Where a client process starts. A lab whose addresses a host process must never reach (netns:
 * the host's default route leads off the machine) hands the harness one; the shim wraps every
 * process that talks to a site with it. No launcher: the process starts on the host, as always.
 */
export interface ClientLauncher {
  /** for skip reasons and reports, e.g. "the netns lab's client namespace" */
  readonly where: string;
  /**
   * argv that runs `argv` there with exactly `env` (plus PATH, and a lab HOME unless env has one);
   * nothing of the harness's own environment crosses over
   */
  wrap(argv: readonly string[], env: Readonly<Record<string, string>>): string[];
  /**
   * Inside, every site's name already resolves to its direct route (a lab DNS, port 443): a
   * client with no resolver override can take a direct route by fetching the URL as it is.
   */
  readonly resolvesSiteNames?: boolean;
  /**
   * A directory that the place shares with the harness at the same path, for files both sides
   * open while a client runs (a unix socket whose wanted path is too long). Absent: the place
   * sees the harness's whole filesystem (its temp dir included).
   */
  readonly sharedDir?: string;
}

export interface PrepareOptions {
  launcher?: ClientLauncher;
}

export interface ClientSession {
  visit(target: VisitTarget): Promise<Observation>;
  close(): Promise<void>;
}

export interface ClientShim {
  readonly name: string;
  readonly kind: 'cli' | 'library' | 'browser';
  /** route kinds the shim can apply natively; absent means both */
  readonly routes?: Route['kind'][];
  /** besides `routes`: a direct route where the launcher resolves site names (it just fetches the URL) */
  readonly directByName?: boolean;
  /** whether the shim enforces TrustState.pins (false: pins are ignored, a finding, not an error) */
  readonly pins?: boolean;
  /**
   * true: every process the shim starts toward a site (and its chain probe) goes through
   * PrepareOptions.launcher. A string: why it cannot (it opens sockets in the harness process,
   * drives a browser over a host port, ...). Absent counts as cannot: a lab with a launcher skips
   * the shim rather than let it reach the lab from the host.
   */
  readonly launcherSupport?: true | string;
  probe(): Promise<Availability>;
  /** installs the trust state under workDir (a throwaway dir the harness removes afterwards) */
  prepare(state: TrustState, workDir: string, options?: PrepareOptions): Promise<ClientSession>;
}
