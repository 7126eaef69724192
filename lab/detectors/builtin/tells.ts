/**
 * tells: traits forged leaves carry and real ones do not (docs/campaigns.md §1.6; how each box forges: docs/boxes.md).
 * Each tell is weak alone; they combine as independent evidence (noisy-OR). Tells that compare
 * with the origin's real certificate run only when the evidence has it.
 */
import {
  EXTENSION_LABEL,
  EXTENSION_OID,
  isSignedByOwnKey,
  parseCertificate,
  sameCertificate,
  splitPem,
  validityDays,
  type ParsedCertificate,
} from '../certificates.ts';
import type { Evidence } from '../evidence.ts';
import { clear, flag, skip, type Detector, type Finding, type RunContext } from '../types.ts';

interface Tell {
  weight: number;
  text: string;
}

const HOUR_MS = 3_600_000;
/** mockttp's 45 days and mitmproxy's 199 days; no public CA issues either length */
const TELLTALE_LIFETIMES_DAYS = [45, 199];
const STRIPPABLE = [
  EXTENSION_OID.authorityInfoAccess,
  EXTENSION_OID.crlDistributionPoints,
  EXTENSION_OID.keyUsage,
  EXTENSION_OID.extKeyUsage,
];

export function tellsDetector(): Detector {
  return {
    name: 'tells',
    description: 'forged-leaf traits: CA key as leaf key, one key for unrelated hosts, lost SCTs, odd validity, stripped extensions, RSA e=3',
    inspect: inspectTells,
  };
}

function inspectTells(evidence: Evidence, run?: RunContext): Finding {
  const chain = splitPem(evidence.chainPem ?? []).map((pem) => parseCertificate(pem));
  const leaf = chain[0];
  if (!leaf) return skip('no chainPem: the tells need the certificate the client was served');
  const origin = evidence.originCertPem ? parseCertificate(evidence.originCertPem) : undefined;
  if (origin && sameCertificate(leaf, origin)) {
    return clear(0.9, "the leaf is the origin's own certificate");
  }

  const tells: Tell[] = [
    ...leafKeyIsSignerKey(leaf, chain),
    ...sharedLeafKey(leaf, evidence, run),
    ...oddLifetime(leaf),
    ...rsaExponentThree(leaf),
    ...(origin ? [...lostScts(leaf, origin), ...shiftedValidity(leaf, origin), ...strippedExtensions(leaf, origin)] : []),
  ];
  if (tells.length === 0) {
    const scope = origin ? 'with the origin certificate to compare' : 'without the origin certificate (origin tells not checked)';
    return clear(origin ? 0.6 : 0.4, `no forged-leaf tell on "${leaf.subject}", ${scope}`);
  }
  const confidence = 1 - tells.reduce((miss, tell) => miss * (1 - tell.weight), 1);
  return flag(Math.round(confidence * 1000) / 1000, tells.map((tell) => tell.text).join('; '));
}

function leafKeyIsSignerKey(leaf: ParsedCertificate, chain: ParsedCertificate[]): Tell[] {
  if (leaf.selfIssued) return [];
  const sameAsServedCa = chain.slice(1).find((ca) => ca.spkiSha256 === leaf.spkiSha256);
  // the CA is rarely served when the root signs leaves directly; a leaf that verifies under its
  // own public key was signed by the holder of that key, i.e. the CA shares it
  if (sameAsServedCa || isSignedByOwnKey(leaf)) {
    return [{ weight: 0.95, text: 'the leaf carries its issuing CA\'s public key (mitmproxy dummy_cert)' }];
  }
  return [];
}

function sharedLeafKey(leaf: ParsedCertificate, evidence: Evidence, run?: RunContext): Tell[] {
  if (!run || leaf.dnsNames.length === 0) return [];
  const names = new Set(leaf.dnsNames);
  const unrelatedSites = new Set<string>();
  for (const other of run.evidences) {
    if (other === evidence) continue;
    const otherLeafPem = splitPem(other.chainPem ?? [])[0];
    if (!otherLeafPem) continue;
    const otherLeaf = parseCertificate(otherLeafPem);
    if (otherLeaf.spkiSha256 !== leaf.spkiSha256 || sameCertificate(otherLeaf, leaf)) continue;
    if (otherLeaf.dnsNames.some((name) => names.has(name))) continue;
    unrelatedSites.add(other.site);
  }
  if (unrelatedSites.size === 0) return [];
  const sites = [...unrelatedSites].sort();
  return [{ weight: 0.9, text: `the same leaf key also serves unrelated host(s) ${sites.slice(0, 3).join(', ')}${sites.length > 3 ? ', …' : ''}` }];
}

function oddLifetime(leaf: ParsedCertificate): Tell[] {
  const days = validityDays(leaf);
  const match = TELLTALE_LIFETIMES_DAYS.find((telltale) => Math.abs(days - telltale) * 24 < 1);
  return match ? [{ weight: 0.6, text: `validity is exactly ${match} days (an interceptor default)` }] : [];
}

function rsaExponentThree(leaf: ParsedCertificate): Tell[] {
  return leaf.rsaExponent === 3n ? [{ weight: 0.8, text: 'RSA public exponent 3 (the 2019 Kazakh box)' }] : [];
}

function lostScts(leaf: ParsedCertificate, origin: ParsedCertificate): Tell[] {
  const had = origin.extensionOids.has(EXTENSION_OID.sctList);
  return had && !leaf.extensionOids.has(EXTENSION_OID.sctList)
    ? [{ weight: 0.7, text: 'no SCTs although the origin certificate has them' }]
    : [];
}

function shiftedValidity(leaf: ParsedCertificate, origin: ParsedCertificate): Tell[] {
  const earlierBy = origin.notBefore.getTime() - leaf.notBefore.getTime();
  if (earlierBy <= HOUR_MS / 60) return [];
  const sameLength = Math.abs(validityDays(leaf) - validityDays(origin)) * 86_400_000 <= 1000;
  const hours = Math.round((earlierBy / HOUR_MS) * 10) / 10;
  if (sameLength) {
    return [{ weight: 0.85, text: `validity is the origin's window shifted ${hours} h into the past` }];
  }
  return earlierBy > HOUR_MS ? [{ weight: 0.5, text: `notBefore is ${hours} h earlier than the origin certificate's` }] : [];
}

function strippedExtensions(leaf: ParsedCertificate, origin: ParsedCertificate): Tell[] {
  const missing = STRIPPABLE.filter((oid) => origin.extensionOids.has(oid) && !leaf.extensionOids.has(oid));
  if (missing.length === 0) return [];
  const labels = missing.map((oid) => EXTENSION_LABEL[oid] ?? oid).join(', ');
  return [{ weight: 0.4 + 0.1 * missing.length, text: `extensions the origin has are missing: ${labels}` }];
}
