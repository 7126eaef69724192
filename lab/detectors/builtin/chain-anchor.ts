/**
 * chain-anchor: the served chain is internally sound but does not lead to a public root. A
 * national CA the user installed (or was told to install) is exactly such a root.
 */
import { isIssuedBy, parseCertificate, splitPem, type ParsedCertificate } from '../certificates.ts';
import type { Evidence } from '../evidence.ts';
import { publicAnchors } from '../public-store.ts';
import { clear, flag, skip, type Detector, type Finding } from '../types.ts';

export interface ChainAnchorOptions {
  /** private roots the operator vouches for (a corporate CA installed on purpose) */
  allowedAnchorsPem?: string[];
  includeMozillaRoots?: boolean;
}

export function chainAnchorDetector(options: ChainAnchorOptions = {}): Detector {
  return {
    name: 'chain-anchor',
    description: 'the chain validates but ends at a root outside the public store',
    inspect: (evidence) => inspectChainAnchor(evidence, options),
  };
}

function inspectChainAnchor(evidence: Evidence, options: ChainAnchorOptions): Finding {
  const anchors = publicAnchors(evidence.publicAnchorsPem, options);
  const allowed = splitPem(options.allowedAnchorsPem ?? []).map((pem) => parseCertificate(pem));
  const chain = splitPem(evidence.chainPem ?? []).map((pem) => parseCertificate(pem));
  const loaded = evidence.observation.outcome === 'loaded';
  if (chain.length === 0) return fromObservedRoot(evidence, anchors, allowed);

  const path = buildPath(chain, [...anchors, ...allowed]);
  if (path.anchor) {
    const vouched = allowed.includes(path.anchor) && !anchors.includes(path.anchor);
    return clear(0.9, `chain validates to ${vouched ? 'an allowed private' : 'the public'} root "${path.anchor.subject}"`);
  }
  if (path.broken) {
    return flag(0.6, `chain does not validate: "${path.top.subject}" is not signed by any certificate served or public`);
  }
  const top = path.top;
  const where = top.selfIssued ? `self-signed root "${top.subject}"` : `issuer "${top.issuer}"`;
  const trusted = loaded ? ' and the client accepted it (a locally installed root)' : '';
  return flag(loaded ? 0.95 : 0.85, `chain ends at ${where}, outside the public store${trusted}`);
}

interface PathResult {
  top: ParsedCertificate;
  anchor?: ParsedCertificate;
  /** a served link whose signature does not verify, or a self-signed top that does not verify */
  broken: boolean;
}

function buildPath(chain: ParsedCertificate[], anchors: ParsedCertificate[]): PathResult {
  const visited = new Set<ParsedCertificate>();
  let current = chain[0]!;
  for (;;) {
    visited.add(current);
    const anchor = anchors.find(
      (candidate) => candidate.spkiSha256 === current.spkiSha256 && candidate.subject === current.subject,
    ) ?? anchors.find((candidate) => isIssuedBy(current, candidate));
    if (anchor) return { top: current, anchor, broken: false };
    const next = chain.find((candidate) => !visited.has(candidate) && isIssuedBy(current, candidate));
    if (next) {
      current = next;
      continue;
    }
    const namedIssuerServed = chain.some((candidate) => candidate !== current && candidate.subject === current.issuer);
    const selfSignatureBad = current.selfIssued && !isIssuedBy(current, current);
    return { top: current, broken: namedIssuerServed || selfSignatureBad };
  }
}

/** No PEM chain: fall back to the SPKI the client reports it anchored to. */
function fromObservedRoot(evidence: Evidence, anchors: ParsedCertificate[], allowed: ParsedCertificate[]): Finding {
  const rootSpki = evidence.observation.chain?.rootSpkiSha256;
  if (!rootSpki) return skip('no chain: neither chainPem nor the observed root SPKI is in the evidence');
  const known = [...anchors, ...allowed].find((anchor) => anchor.spkiSha256 === rootSpki);
  if (known) return clear(0.7, `the client anchored to "${known.subject}", a public or allowed root (SPKI only)`);
  return flag(0.7, `the client anchored to SPKI ${rootSpki}, which no public root has (SPKI only, no chain)`);
}
