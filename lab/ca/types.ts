/**
 * Contracts of lab/ca that the engine and the harness build on. Implementations live beside this
 * file; keep these shapes stable (other modules and the CLI contract depend on them).
 */

/** A certificate with its private key, as PEM (the form node:tls and every CLI client take). */
export interface KeyedCertificate {
  certPem: string;
  keyPem: string;
}

/** A loaded or created authority: the anchor, the CA that actually signs, and what lies between. */
export interface AuthorityMaterial {
  /** preset name it was made from (qaznet-2019, isca-2020, isca-2024, lab-public, generic) */
  preset: string;
  root: KeyedCertificate;
  /** issuing CA first, root's direct child last; empty when the root signs leaves itself */
  intermediates: KeyedCertificate[];
}

export interface ForgeRequest {
  /** SNI the client sent (used by SNI-based profiles, and as a fallback name) */
  sni: string;
  /** DER of the upstream leaf, when the interceptor fetched it first (kz-2019 copies its names) */
  upstreamDer?: Buffer;
}

export interface ForgedLeaf {
  /** PEM: the forged leaf followed by the intermediates the client needs (never the root) */
  chainPem: string;
  keyPem: string;
  /** base64 SHA-256 of the forged leaf's SubjectPublicKeyInfo */
  leafSpkiSha256: string;
  /** whether this leaf came out of the cache */
  cached: boolean;
}

/** What the interception engine needs from lab/ca: a leaf for a name, fast. */
export interface Forger {
  readonly profile: string;
  forge(request: ForgeRequest): Promise<ForgedLeaf>;
}

export interface SpkiHash {
  hex: string;
  base64: string;
}
