/**
 * What the report draws of one certificate, and how a served chain differs from the origin's:
 * the fields a person compares by eye (subject, issuer, SPKI hash, validity, key type), read with
 * the same parser the detectors use.
 */
import { parseCertificate, type ParsedCertificate } from '../../../lab/detectors/certificates.ts';

export interface CertificateFacts {
  subject: string;
  issuer: string;
  spkiSha256: string;
  notBefore: Date;
  notAfter: Date;
  keyType: string;
  serial: string;
  dnsNames: string[];
  selfIssued: boolean;
}

export type ComparedField = 'subject' | 'issuer' | 'spkiSha256' | 'validity' | 'keyType';
export const COMPARED_FIELDS: readonly ComparedField[] = ['subject', 'issuer', 'spkiSha256', 'validity', 'keyType'];

const CURVES: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

function keyTypeOf(cert: ParsedCertificate): string {
  const key = cert.node.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return `RSA ${details.modulusLength ?? '?'}${details.publicExponent !== undefined ? ` e=${details.publicExponent}` : ''}`;
    case 'ec':
      return `ECDSA ${CURVES[details.namedCurve ?? ''] ?? details.namedCurve ?? ''}`.trim();
    default:
      return (key.asymmetricKeyType ?? 'unknown').toUpperCase();
  }
}

/** The facts, or undefined for text that is no certificate (a truncated record). */
export function certificateFacts(pem: string): CertificateFacts | undefined {
  try {
    const cert = parseCertificate(pem);
    return {
      subject: cert.subject,
      issuer: cert.issuer,
      spkiSha256: cert.spkiSha256,
      notBefore: cert.notBefore,
      notAfter: cert.notAfter,
      keyType: keyTypeOf(cert),
      serial: cert.node.serialNumber,
      dnsNames: cert.dnsNames,
      selfIssued: cert.selfIssued,
    };
  } catch {
    return undefined;
  }
}

function fieldValue(facts: CertificateFacts, field: ComparedField): string {
  return field === 'validity' ? `${facts.notBefore.toISOString()}/${facts.notAfter.toISOString()}` : facts[field];
}

/** Fields of `served` that differ from the certificate at the same place in the origin's chain (none to compare: none differ). */
export function differingFields(served: CertificateFacts, origin: CertificateFacts | undefined): Set<ComparedField> {
  if (!origin) return new Set();
  return new Set(COMPARED_FIELDS.filter((f) => fieldValue(served, f) !== fieldValue(origin, f)));
}
