/**
 * SPKI SHA-256 pins: the identity that CRLSets, Chromium's compiled blocklist and curl's
 * --pinnedpubkey use. Hashed over the certificate's SubjectPublicKeyInfo bytes as they appear
 * in the certificate, never a re-encoding.
 */
import { createHash } from 'node:crypto';
import { parseCertificate } from './pem.ts';
import type { SpkiHash } from './types.ts';
import { UserError } from '../errors.ts';

export function spkiSha256(pemOrDer: string | Uint8Array): SpkiHash {
  const cert = parseCertificate(pemOrDer, 'certificate');
  return spkiSha256OfSpki(Buffer.from(cert.publicKey.rawData));
}

export function spkiSha256OfSpki(spkiDer: Uint8Array): SpkiHash {
  const digest = createHash('sha256').update(spkiDer).digest();
  return { hex: digest.toString('hex'), base64: digest.toString('base64') };
}

/** Accepts 64 hex digits or 44 base64 characters (the two forms the blocklists use). */
export function parseSpkiHash(text: string): SpkiHash {
  const trimmed = text.trim();
  let digest: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) digest = Buffer.from(trimmed, 'hex');
  else if (/^[A-Za-z0-9+/]{43}=$/.test(trimmed)) digest = Buffer.from(trimmed, 'base64');
  if (!digest || digest.length !== 32) {
    throw new UserError(`"${text}" is not a SHA-256 SPKI hash (64 hex digits or 44 base64 characters)`);
  }
  return { hex: digest.toString('hex'), base64: digest.toString('base64') };
}
