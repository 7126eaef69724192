/**
 * Real certificate material for detector tests, all made by lab/ca: the lab's public PKI, rogue
 * authorities, origin certificates and leaves forged by each profile. Evidence is then built the
 * way the harness builds it for a cell (see docs/detectors.md "Building Evidence").
 */
import { X509Certificate, createHash } from 'node:crypto';
import { createAuthority, createForger, issueServerCertificate, type AuthorityMaterial } from '../../../lab/ca/index.ts';
import type { Evidence } from '../../../lab/detectors/evidence.ts';
import type { CellTruth } from '../../../lab/detectors/truth.ts';
import { splitPem } from '../../../lab/detectors/certificates.ts';

export interface Lab {
  publicCa: AuthorityMaterial;
  kzCa: AuthorityMaterial;
  publicAnchorsPem: string[];
}

export async function makeLab(): Promise<Lab> {
  const publicCa = await createAuthority('lab-public');
  const kzCa = await createAuthority('qaznet-2019');
  return { publicCa, kzCa, publicAnchorsPem: [publicCa.root.certPem] };
}

export interface Served {
  /** chain the client was served, leaf first */
  chainPem: string[];
  /** the origin's own leaf */
  originCertPem: string;
}

/** The origin answers directly: the client sees the origin's own chain. */
export async function direct(ca: AuthorityMaterial, site: string, opts: { selfSigned?: boolean } = {}): Promise<Served> {
  const origin = await issueServerCertificate(ca, { names: [site], ...opts });
  return { chainPem: splitPem(origin.chainPem), originCertPem: origin.certPem };
}

/** An interceptor forges for `site` after fetching the origin's certificate, as the engine does. */
export async function intercepted(
  rogue: AuthorityMaterial,
  profile: string,
  origin: { certPem: string },
  site: string,
  forger?: Awaited<ReturnType<typeof createForger>>,
): Promise<Served> {
  // one pooled key is enough for a test, and keeps key generation off the clock
  const box = forger ?? (await createForger(rogue, profile, { poolSize: 1 }));
  const upstreamDer = new X509Certificate(origin.certPem).raw;
  const forged = await box.forge({ sni: site, upstreamDer });
  return { chainPem: splitPem(forged.chainPem), originCertPem: origin.certPem };
}

export async function originOf(ca: AuthorityMaterial, site: string, opts: { selfSigned?: boolean } = {}) {
  return issueServerCertificate(ca, { names: [site], ...opts });
}

export interface CellSpec {
  site: string;
  client?: string;
  state?: string;
  intercepted: boolean;
  served: Served;
  lab: Lab;
  outcome?: Evidence['observation']['outcome'];
  extra?: Partial<Evidence>;
}

function spkiB64(pem: string): string {
  const spki = new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

const truths = new WeakMap<Evidence, CellTruth>();

/** A fixture cell's truth, kept beside the evidence as the harness keeps it (never inside). */
export function withTruth<E extends Evidence>(evidence: E, intercepted: boolean): E {
  truths.set(evidence, { status: intercepted ? 'intercepted' : 'clean', reason: 'test fixture' });
  return evidence;
}

export function truthOf(evidence: Evidence): CellTruth {
  const truth = truths.get(evidence);
  if (!truth) throw new Error(`no truth recorded for the fixture cell ${evidence.site}`);
  return truth;
}

export function cell(spec: CellSpec): Evidence {
  const leaf = new X509Certificate(spec.served.chainPem[0]!);
  return withTruth(buildCell(spec, leaf), spec.intercepted);
}

function buildCell(spec: CellSpec, leaf: X509Certificate): Evidence {
  return {
    scenario: 'detector-tests',
    state: spec.state ?? 'installed',
    client: spec.client ?? 'curl',
    site: spec.site,
    observation: {
      outcome: spec.outcome ?? 'loaded',
      durationMs: 12,
      chain: { leafSubject: leaf.subject, issuer: leaf.issuer, leafSpkiSha256: spkiB64(leaf.toString()) },
    },
    chainPem: spec.served.chainPem,
    originCertPem: spec.served.originCertPem,
    origin: {},
    publicAnchorsPem: spec.lab.publicAnchorsPem,
    ...spec.extra,
  };
}

export function rootSpki(ca: AuthorityMaterial): string {
  return spkiB64(ca.root.certPem);
}
