/**
 * Turns whatever certificates a client printed or returned into the results contract's ChainSeen.
 * Every shim goes through here so a leaf's SPKI hash is computed one way for every client.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ChainSeen } from './types.ts';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

export function certificatesFromPem(text: string): X509Certificate[] {
  return (text.match(PEM_CERTIFICATE) ?? []).map((pem) => new X509Certificate(pem));
}

export function certificatesFromPemFiles(paths: string[]): X509Certificate[] {
  return paths.flatMap((path) => certificatesFromPem(readFileSync(path, 'utf8')));
}

export function certificateFromDer(der: Buffer | string): X509Certificate {
  return new X509Certificate(typeof der === 'string' ? Buffer.from(der, 'base64') : der);
}

export function spkiSha256(certificate: X509Certificate): string {
  const spki = certificate.publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

/** Node prints names one attribute per line in certificate order; one line reads better in a report. */
export function formatName(name: string): string {
  return name.split('\n').filter(Boolean).join(', ');
}

function issued(issuer: X509Certificate, subject: X509Certificate): boolean {
  try {
    return subject.checkIssued(issuer) && subject.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/** The trust anchor (from the client's configured anchors) that signed `top`, if any. */
export function anchorFor(top: X509Certificate, anchors: X509Certificate[]): X509Certificate | undefined {
  return anchors.find((anchor) => anchor.fingerprint256 === top.fingerprint256)
    ?? anchors.find((anchor) => issued(anchor, top));
}

function selfSigned(certificate: X509Certificate): boolean {
  return issued(certificate, certificate);
}

/**
 * `certificates` is leaf first, as sent (or as verified). The root is the anchor that signed the
 * top certificate when the client had one, or the top certificate itself when it is a self-signed
 * root; a chain that stops below any root has no root, and its top certificate is named as such.
 */
export function chainSeen(certificates: X509Certificate[], anchors: X509Certificate[] = []): ChainSeen | undefined {
  const leaf = certificates[0];
  if (!leaf) return undefined;
  const top = certificates[certificates.length - 1] ?? leaf;
  const root = anchorFor(top, anchors) ?? (selfSigned(top) ? top : undefined);
  return {
    leafSubject: formatName(leaf.subject),
    issuer: formatName(leaf.issuer),
    leafSpkiSha256: spkiSha256(leaf),
    ...(root ? { rootSpkiSha256: spkiSha256(root) } : {}),
    topSpkiSha256: spkiSha256(top),
    chainPem: certificates.map((c) => c.toString()),
  };
}

/** SPKI hashes of a chain plus the anchor it chains to: what application-level pinning compares. */
export function chainSpkiHashes(certificates: X509Certificate[], anchors: X509Certificate[]): string[] {
  const top = certificates[certificates.length - 1];
  const anchor = top ? anchorFor(top, anchors) : undefined;
  return [...certificates, ...(anchor ? [anchor] : [])].map(spkiSha256);
}
