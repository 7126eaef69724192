/**
 * known-interception: any certificate in the chain carries a key already known to be used for
 * interception (Chromium's kKnownInterceptionList / CRLSet idea). Matching is by SPKI, so a
 * re-issued root with the same key is still caught and a look-alike with a new key is not.
 */
import { parseCertificate, splitPem } from '../certificates.ts';
import type { Evidence } from '../evidence.ts';
import { clear, flag, skip, type Detector, type Finding } from '../types.ts';
import { parseSpkiHash } from '../../ca/spki.ts';
import { KAZAKH_INTERCEPTION_SPKIS } from '../../ca/known-interception.ts';

export interface KnownSpki {
  /** SHA-256 of the SubjectPublicKeyInfo, 64 hex digits or 44 base64 characters */
  spkiSha256: string;
  /** what it is, shown in the reason ("Qaznet Trust Network (2019)") */
  label: string;
}

export interface KnownInterceptionOptions {
  /** the set to match; defaults to the real Kazakh interception SPKIs shipped by lab/ca */
  known?: readonly KnownSpki[];
  /** added to `known`: the operator's own list (e.g. a lab rogue root, a vendor's appliance CA) */
  extra?: readonly KnownSpki[];
}

/** lab/ca's data set (Chromium's compiled blocklist), badssl test roots left out */
export const KAZAKH_KNOWN_SPKIS: readonly KnownSpki[] = KAZAKH_INTERCEPTION_SPKIS.map((entry) => ({
  spkiSha256: entry.spkiSha256Base64,
  label: `${entry.subject} (${entry.source})`,
}));

export function knownInterceptionDetector(options: KnownInterceptionOptions = {}): Detector {
  const byHash = new Map<string, string>();
  for (const entry of [...(options.known ?? KAZAKH_KNOWN_SPKIS), ...(options.extra ?? [])]) {
    // ChainSeen and CRLSets use base64; blocklists print hex: both parse to one key
    byHash.set(parseSpkiHash(entry.spkiSha256).base64, entry.label);
  }
  return {
    name: 'known-interception',
    description: 'a certificate in the chain has an SPKI from a known-interception set',
    inspect: (evidence) => inspectKnown(evidence, byHash),
  };
}

function inspectKnown(evidence: Evidence, known: ReadonlyMap<string, string>): Finding {
  const seen = new Map<string, string>();
  for (const pem of splitPem(evidence.chainPem ?? [])) {
    const cert = parseCertificate(pem);
    seen.set(cert.spkiSha256, `"${cert.subject}"`);
  }
  const observed = evidence.observation.chain;
  if (observed) {
    if (!seen.has(observed.leafSpkiSha256)) seen.set(observed.leafSpkiSha256, 'the leaf the client saw');
    if (observed.rootSpkiSha256 && !seen.has(observed.rootSpkiSha256)) seen.set(observed.rootSpkiSha256, 'the root the client anchored to');
  }
  if (seen.size === 0) return skip('no chain: neither chainPem nor an observed chain is in the evidence');
  const standIns = new Map((evidence.keyStandIns ?? []).map((s) => [parseSpkiHash(s.labSpkiSha256).base64, s]));
  for (const [hash, where] of seen) {
    const label = known.get(hash);
    if (label) return flag(1, `${where} has SPKI ${hash}, known interception key: ${label}`);
    const standIn = standIns.get(hash);
    const realLabel = standIn && known.get(parseSpkiHash(standIn.realSpkiSha256).base64);
    if (realLabel) return flag(1, `${where} has SPKI ${hash}, the lab's stand-in for the known interception key ${standIn.realSpkiSha256}: ${realLabel}`);
  }
  return clear(0.6, `none of ${seen.size} SPKI(s) in the chain is in the known-interception set (${known.size} keys)`);
}
