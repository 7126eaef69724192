/**
 * The Forger the interception engine calls: profile plan → key → signature, with a cache keyed by
 * profile, SNI and upstream fingerprint, and key pools so the hot path never generates keys.
 */
import { createHash, randomBytes } from 'node:crypto';
import { x509 } from './x509.ts';
import { openAuthority, type IssuingAuthority } from './issuing.ts';
import { loadLabKeyPair, generateLabKeyPair, type KeySpec, type LabKeyPair } from './keys.ts';
import { sharedKeyPool } from './key-pool.ts';
import { signCertificateSync } from './sign.ts';
import { spkiSha256OfSpki } from './spki.ts';
import { getProfile, type ForgingProfile, type KeySource, type ProfileOptions } from './profiles/index.ts';
import type { AuthorityMaterial, ForgeRequest, ForgedLeaf, Forger } from './types.ts';
import { readUpstream } from './upstream.ts';

export interface ForgerOptions extends ProfileOptions {
  /** leaves kept in the cache (least recently used are dropped); default 10 000 */
  cacheSize?: number;
  /** keys kept ready per key kind; default 8 */
  poolSize?: number;
  /** clock; default the wall clock */
  now?: () => Date;
}

export interface LabForger extends Forger {
  /** fills the key pools this profile draws from; await it before timing-sensitive work */
  warm(): Promise<void>;
  readonly stats: { forged: number; cached: number };
}

/** A forged leaf together with the parsed certificate (for tests, the CLI and detectors). */
export interface ForgedLeafDetail extends ForgedLeaf {
  certificate: x509.X509Certificate;
  leafPem: string;
  intermediatesPem: string;
}

/** Keys that live as long as the process: mockttp's one key, and per-host keys across forgers. */
const processSharedKeys = new Map<string, Promise<LabKeyPair>>();
const hostKeys = new Map<string, Promise<LabKeyPair>>();
const HOST_KEY_LIMIT = 50_000;

export async function createForger(authority: AuthorityMaterial, profileName: string, opts: ForgerOptions = {}): Promise<LabForger> {
  const profile = getProfile(profileName);
  const issuing = await openAuthority(authority);
  const cacheSize = opts.cacheSize ?? 10_000;
  const cache = new Map<string, Promise<ForgedLeafDetail>>();
  const stats = { forged: 0, cached: 0 };
  const pools = new Map<string, KeySpec>();
  const poolOptions = { size: opts.poolSize ?? 8 };

  // the key kind is fixed per profile; find it by planning a throwaway leaf
  const probe = profile.plan(
    { sni: 'probe.invalid', issuer: issuerFacts(issuing), now: new Date(), randomBytes },
    opts,
  ).key;
  if (probe.kind !== 'issuer') pools.set('main', probe.spec);

  return {
    profile: profile.name,
    stats,
    async warm() {
      for (const spec of pools.values()) {
        if (probe.kind === 'process-shared') await sharedKey(spec);
        else await sharedKeyPool(spec, poolOptions).warm();
      }
    },
    async forge(request: ForgeRequest): Promise<ForgedLeaf> {
      const cacheKey = cacheKeyOf(profile, request);
      const hit = cache.get(cacheKey);
      if (hit) {
        cache.delete(cacheKey);
        cache.set(cacheKey, hit);
        stats.cached++;
        const leaf = await hit;
        return { chainPem: leaf.chainPem, keyPem: leaf.keyPem, leafSpkiSha256: leaf.leafSpkiSha256, cached: true };
      }
      const pending = forgeWith(profile, issuing, request, opts, poolOptions);
      cache.set(cacheKey, pending);
      pending.catch(() => cache.delete(cacheKey));
      if (cache.size > cacheSize) cache.delete(cache.keys().next().value!);
      stats.forged++;
      const leaf = await pending;
      return { chainPem: leaf.chainPem, keyPem: leaf.keyPem, leafSpkiSha256: leaf.leafSpkiSha256, cached: false };
    },
  };
}

/** One leaf, no cache: the CLI's `ca forge` and tests use this. */
export async function forgeLeaf(
  authority: AuthorityMaterial,
  profileName: string,
  request: ForgeRequest,
  opts: ForgerOptions = {},
): Promise<ForgedLeafDetail> {
  const profile = getProfile(profileName);
  return forgeWith(profile, await openAuthority(authority), request, opts, { size: 1 });
}

async function forgeWith(
  profile: ForgingProfile,
  issuing: IssuingAuthority,
  request: ForgeRequest,
  opts: ForgerOptions,
  poolOptions: { size: number },
): Promise<ForgedLeafDetail> {
  const upstream = request.upstreamDer ? readUpstream(request.upstreamDer, `upstream certificate for ${request.sni}`) : undefined;
  const plan = profile.plan(
    { sni: request.sni, upstream, issuer: issuerFacts(issuing), now: opts.now?.() ?? new Date(), randomBytes },
    opts,
  );
  const key = await keyFor(plan.key, issuing, poolOptions);
  const signed = signCertificateSync(
    {
      subject: plan.subject,
      serialHex: plan.serialHex,
      notBefore: plan.notBefore,
      notAfter: plan.notAfter,
      spkiDer: key.spkiDer,
      extensions: plan.extensions(key.spkiDer),
    },
    issuing.signer,
  );
  const leafPem = signed.pem;
  return {
    chainPem: leafPem + issuing.intermediatesPem,
    keyPem: key.privateKeyPem,
    leafSpkiSha256: spkiSha256OfSpki(key.spkiDer).base64,
    cached: false,
    get certificate() {
      return signed.certificate;
    },
    leafPem,
    intermediatesPem: issuing.intermediatesPem,
  };
}

function issuerFacts(issuing: IssuingAuthority) {
  return { name: issuing.signer.name, serialHex: issuing.signer.certificate.serialNumber, spkiDer: issuing.signer.spkiDer };
}

let issuerKeyCache = new WeakMap<IssuingAuthority, LabKeyPair>();

async function keyFor(source: KeySource, issuing: IssuingAuthority, poolOptions: { size: number }): Promise<LabKeyPair> {
  switch (source.kind) {
    case 'issuer': {
      let pair = issuerKeyCache.get(issuing);
      if (!pair) {
        pair = loadLabKeyPair(issuing.signerKeyPem, 'issuing CA key');
        issuerKeyCache.set(issuing, pair);
      }
      return pair;
    }
    case 'fresh':
      return sharedKeyPool(source.spec, poolOptions).take();
    case 'process-shared':
      return sharedKey(source.spec);
    case 'per-host': {
      const id = `${specId(source.spec)}|${source.host.toLowerCase()}`;
      let pending = hostKeys.get(id);
      if (!pending) {
        pending = sharedKeyPool(source.spec, poolOptions).take();
        if (hostKeys.size >= HOST_KEY_LIMIT) hostKeys.delete(hostKeys.keys().next().value!);
        hostKeys.set(id, pending);
        pending.catch(() => hostKeys.delete(id));
      }
      return pending;
    }
  }
}

function sharedKey(spec: KeySpec): Promise<LabKeyPair> {
  const id = specId(spec);
  let pending = processSharedKeys.get(id);
  if (!pending) {
    pending = generateLabKeyPair(spec);
    processSharedKeys.set(id, pending);
  }
  return pending;
}

function specId(spec: KeySpec): string {
  return `${spec.type}/${spec.modulusLength ?? ''}/${spec.publicExponent ?? ''}`;
}

function cacheKeyOf(profile: ForgingProfile, request: ForgeRequest): string {
  const upstream =
    profile.usesUpstream && request.upstreamDer ? createHash('sha256').update(request.upstreamDer).digest('base64') : '';
  return `${profile.name}|${request.sni.toLowerCase()}|${upstream}`;
}

/** Test hook: forget process-wide keys (shared and per-host) so a test can observe fresh ones. */
export function resetProcessKeys(): void {
  processSharedKeys.clear();
  hostKeys.clear();
  issuerKeyCache = new WeakMap();
}
