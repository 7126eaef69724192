/**
 * Certificate facts the detectors compare. Parsing goes through node:crypto (signatures, keys)
 * and @peculiar/x509 (extension lists) — both read the same DER, so their views cannot drift.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { x509 } from '../ca/x509.ts';

export const EXTENSION_OID = {
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
  crlDistributionPoints: '2.5.29.31',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  sctList: '1.3.6.1.4.1.11129.2.4.2',
} as const;

export const EXTENSION_LABEL: Record<string, string> = {
  [EXTENSION_OID.authorityInfoAccess]: 'AIA',
  [EXTENSION_OID.crlDistributionPoints]: 'CRLDP',
  [EXTENSION_OID.keyUsage]: 'KU',
  [EXTENSION_OID.extKeyUsage]: 'EKU',
  [EXTENSION_OID.sctList]: 'SCT list',
};

export interface ParsedCertificate {
  pem: string;
  node: X509Certificate;
  subject: string;
  issuer: string;
  spkiDer: Buffer;
  /** base64 SHA-256 of the SubjectPublicKeyInfo (CRLSet / Chromium / ChainSeen form) */
  spkiSha256: string;
  spkiSha256Hex: string;
  notBefore: Date;
  notAfter: Date;
  extensionOids: ReadonlySet<string>;
  /** DNS names from the SAN, lower case */
  dnsNames: string[];
  /** RSA public exponent, undefined for other key types */
  rsaExponent?: bigint;
  selfIssued: boolean;
}

const parsed = new Map<string, ParsedCertificate>();

export function parseCertificate(pem: string): ParsedCertificate {
  const known = parsed.get(pem);
  if (known) return known;
  const node = new X509Certificate(pem);
  const peculiar = new x509.X509Certificate(node.raw);
  const spkiDer = node.publicKey.export({ type: 'spki', format: 'der' });
  const digest = createHash('sha256').update(spkiDer).digest();
  const details = node.publicKey.asymmetricKeyDetails;
  const result: ParsedCertificate = {
    pem,
    node,
    subject: oneLine(node.subject),
    issuer: oneLine(node.issuer),
    spkiDer,
    spkiSha256: digest.toString('base64'),
    spkiSha256Hex: digest.toString('hex'),
    notBefore: new Date(node.validFrom),
    notAfter: new Date(node.validTo),
    extensionOids: new Set(peculiar.extensions.map((extension) => extension.type)),
    dnsNames: dnsNamesOf(node),
    selfIssued: node.subject === node.issuer,
  };
  if (node.publicKey.asymmetricKeyType === 'rsa' && details?.publicExponent !== undefined) {
    result.rsaExponent = details.publicExponent;
  }
  if (parsed.size > 4096) parsed.clear();
  parsed.set(pem, result);
  return result;
}

/** node prints one attribute per line; reasons read better on one */
export function oneLine(distinguishedName: string): string {
  return distinguishedName.split('\n').join(', ');
}

function dnsNamesOf(cert: X509Certificate): string[] {
  const san = cert.subjectAltName;
  if (!san) return [];
  return san
    .split(', ')
    .filter((entry) => entry.startsWith('DNS:'))
    .map((entry) => entry.slice(4).toLowerCase());
}

export { splitPem } from '../ca/pem-text.ts';

/** True when `issuer`'s key signed `subject` and the names line up. */
export function isIssuedBy(subject: ParsedCertificate, issuer: ParsedCertificate): boolean {
  return subject.node.checkIssued(issuer.node) && subject.node.verify(issuer.node.publicKey);
}

/** A leaf that carries its signer's key verifies with its own public key although it is not self-issued. */
export function isSignedByOwnKey(cert: ParsedCertificate): boolean {
  try {
    return cert.node.verify(cert.node.publicKey);
  } catch {
    return false;
  }
}

export function validityDays(cert: ParsedCertificate): number {
  return (cert.notAfter.getTime() - cert.notBefore.getTime()) / 86_400_000;
}

export function sameCertificate(a: ParsedCertificate, b: ParsedCertificate): boolean {
  return a.node.raw.equals(b.node.raw);
}
