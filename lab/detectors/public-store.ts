/**
 * The "public store": roots a user gets from a vendor without doing anything. In the lab that is
 * the lab-public root (from Evidence) plus Node's bundled Mozilla roots, which stand in for the
 * real web PKI when a chain reaches a real public CA.
 */
import { rootCertificates } from 'node:tls';
import { parseCertificate, type ParsedCertificate } from './certificates.ts';

let mozillaRoots: ParsedCertificate[] | undefined;

function bundledMozillaRoots(): ParsedCertificate[] {
  mozillaRoots ??= rootCertificates.map((pem) => parseCertificate(pem));
  return mozillaRoots;
}

export interface PublicStoreOptions {
  /** count Node's bundled Mozilla roots as public (default true) */
  includeMozillaRoots?: boolean;
}

export function publicAnchors(anchorsPem: readonly string[], options: PublicStoreOptions = {}): ParsedCertificate[] {
  const own = anchorsPem.map((pem) => parseCertificate(pem));
  return options.includeMozillaRoots === false ? own : [...own, ...bundledMozillaRoots()];
}
