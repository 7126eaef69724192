/**
 * Reading certificates from user-supplied bytes: PEM (one or many) or DER, with errors that name
 * the source and the problem instead of an ASN.1 stack trace.
 */
import { readFileSync } from 'node:fs';
import { x509 } from './x509.ts';
import { UserError } from '../errors.ts';

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

export interface PemBlock {
  label: string;
  der: Buffer;
}

export function pemBlocks(text: string): PemBlock[] {
  return [...text.matchAll(PEM_BLOCK)].map((m) => ({
    label: m[1]!,
    der: Buffer.from(m[2]!.replace(/\s+/g, ''), 'base64'),
  }));
}

export function derToPem(der: Uint8Array, label = 'CERTIFICATE'): string {
  const b64 = Buffer.from(der).toString('base64');
  return `-----BEGIN ${label}-----\n${b64.replace(/.{1,64}/g, '$&\n')}-----END ${label}-----\n`;
}

/** All certificates in PEM text or a single DER certificate. */
export function parseCertificates(input: string | Uint8Array, source = 'input'): x509.X509Certificate[] {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : Buffer.from(input);
  const text = bytes.toString('latin1');
  if (text.includes('-----BEGIN')) {
    const certs = pemBlocks(text).filter((b) => b.label === 'CERTIFICATE' || b.label === 'TRUSTED CERTIFICATE');
    if (certs.length === 0) throw new UserError(`${source}: PEM contains no CERTIFICATE block`);
    return certs.map((b, i) => parseDer(b.der, certs.length > 1 ? `${source} (certificate ${i + 1})` : source));
  }
  if (bytes.length === 0) throw new UserError(`${source}: empty file`);
  return [parseDer(bytes, source)];
}

export function parseCertificate(input: string | Uint8Array, source = 'input'): x509.X509Certificate {
  return parseCertificates(input, source)[0]!;
}

function parseDer(der: Buffer, source: string): x509.X509Certificate {
  try {
    return new x509.X509Certificate(new Uint8Array(der));
  } catch (err) {
    throw new UserError(`${source}: not a valid X.509 certificate (${(err as Error).message})`);
  }
}

export function readCertificateFile(path: string): x509.X509Certificate {
  return parseCertificate(readFileForUser(path), path);
}

export function readFileForUser(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (err as Error).message;
    throw new UserError(`${path}: cannot read (${why})`);
  }
}
