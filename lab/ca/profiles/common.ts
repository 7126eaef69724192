/** Pieces several profiles share. */
import { x509 } from '../x509.ts';
import { OID, commonNameDer, subjectAltNameDer } from '../extensions.ts';
import type { UpstreamCertificate, UpstreamExtension } from '../upstream.ts';

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;

export function truncateToSecond(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

export function randomSerial(randomBytes: (n: number) => Buffer, length = 16): string {
  const buf = randomBytes(length);
  buf[0] = (buf[0]! & 0x7f) | 0x01;
  return buf.toString('hex');
}

export function sniSan(sni: string): Buffer {
  return subjectAltNameDer([sni]);
}

const basics = new Map<boolean, Buffer[]>();

/** BC CA:FALSE, KU (digitalSignature, + keyEncipherment for RSA), EKU serverAuth; built once */
export function serverLeafBasics(rsa: boolean): Buffer[] {
  let exts = basics.get(rsa);
  if (!exts) {
    const usage = x509.KeyUsageFlags.digitalSignature | (rsa ? x509.KeyUsageFlags.keyEncipherment : 0);
    exts = [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(usage, true),
      new x509.ExtendedKeyUsageExtension([OID.serverAuth]),
    ].map((e) => Buffer.from(e.rawData));
    basics.set(rsa, exts);
  }
  return exts;
}

/** A DN holding just the SNI as CN (and C=XX for mockttp), as DER. */
export function nameFromSni(sni: string, country?: string): Buffer {
  return commonNameDer(sni, country);
}

export function upstreamExtension(upstream: UpstreamCertificate | undefined, oid: string): UpstreamExtension | undefined {
  return upstream?.extension(oid);
}
