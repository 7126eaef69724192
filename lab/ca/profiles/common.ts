/** Pieces several profiles share. */
import { x509 } from '../x509.ts';
import { OID } from '../extensions.ts';
import { parseDistinguishedName } from '../names.ts';

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

export function sniSan(sni: string): x509.Extension {
  return new x509.SubjectAlternativeNameExtension([{ type: /^[\d.]+$/.test(sni) ? 'ip' : 'dns', value: sni }]);
}

export function serverLeafBasics(rsa: boolean): x509.Extension[] {
  const usage = x509.KeyUsageFlags.digitalSignature | (rsa ? x509.KeyUsageFlags.keyEncipherment : 0);
  return [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(usage, true),
    new x509.ExtendedKeyUsageExtension([OID.serverAuth]),
  ];
}

/** A DN holding just the SNI as CN, when a profile names the leaf after the SNI. */
export function nameFromSni(sni: string, prefix = ''): x509.Name {
  const escaped = sni.replace(/([,+"\\<>;=])/g, '\\$1');
  return parseDistinguishedName(`${prefix}CN=${escaped}`);
}

export function upstreamExtension(upstream: x509.X509Certificate | undefined, oid: string): x509.Extension | undefined {
  return upstream?.extensions.find((e) => e.type === oid);
}
