/**
 * A forging profile is a pure description: given what the interceptor knows (SNI, maybe the
 * upstream certificate), the issuing CA and the time, it says what the forged leaf contains and
 * where its key comes from. Keys and signing are the Forger's business.
 */
import type { x509 } from '../x509.ts';
import type { KeySpec } from '../keys.ts';
import type { UpstreamCertificate } from '../upstream.ts';

export interface ProfileInput {
  sni: string;
  upstream?: UpstreamCertificate;
  issuer: { name: x509.Name; serialHex: string; spkiDer: Buffer };
  now: Date;
  /** source of randomness for serials (injected so plans are reproducible in tests) */
  randomBytes(length: number): Buffer;
}

export type KeySource =
  /** a fresh key for every new leaf, taken from a pre-generated pool */
  | { kind: 'fresh'; spec: KeySpec }
  /** one key per host (SNI), made on first sight, from the pool */
  | { kind: 'per-host'; spec: KeySpec; host: string }
  /** one key for every leaf this process forges */
  | { kind: 'process-shared'; spec: KeySpec }
  /** the issuing CA's own key pair (mitmproxy's dummy_cert) */
  | { kind: 'issuer' };

export interface LeafPlan {
  /** a Name, or the DER of one */
  subject: x509.Name | Buffer;
  serialHex: string;
  notBefore: Date;
  notAfter: Date;
  key: KeySource;
  /** extensions in order (objects or DER), given the leaf's SPKI (for SKI) once the key is known */
  extensions(leafSpkiDer: Buffer): Array<x509.Extension | Buffer>;
}

export interface ProfileOptions {
  kz2019?: {
    /** 1024 reproduces leaves before 2019-07-19 (paper §4.2.3) */
    modulusLength?: 1024 | 2048;
    /** 24 reproduces leaves from 2019-07-30 on */
    shiftHours?: number;
  };
}

export interface ForgingProfile {
  name: string;
  summary: string;
  /** whether the leaf depends on the upstream certificate (part of the cache key) */
  usesUpstream: boolean;
  plan(input: ProfileInput, options: ProfileOptions): LeafPlan;
}
