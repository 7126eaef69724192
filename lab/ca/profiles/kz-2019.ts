import { OID } from '../extensions.ts';
import { HOUR_MS, DAY_MS, nameFromSni, sniSan, truncateToSecond, upstreamExtension } from './common.ts';
import type { ForgingProfile } from './types.ts';

/** Bits of the upstream serial the 2019 box replaced with random ones (paper §4.2.3). */
export const KZ_2019_RANDOM_SERIAL_BITS = 33;

/**
 * The 2019 Kazakhtelecom box (Raman et al., IMC '20, §4.2.3): subject and SAN copied from the
 * real certificate; a host-specific RSA key with e=3; validity shifted back 6 h (24 h from
 * 2019-07-30); serial = upstream serial with the last 33 bits random; every other extension
 * dropped. Without an upstream certificate it falls back to the SNI, which the real box never did.
 */
export const kz2019: ForgingProfile = {
  name: 'kz-2019',
  summary: 'copies upstream subject+SAN, host RSA-2048 e=3, validity −6 h, serial tail randomised, other extensions stripped',
  usesUpstream: true,
  plan(input, options) {
    const shift = (options.kz2019?.shiftHours ?? 6) * HOUR_MS;
    const { upstream } = input;
    const notBefore = upstream ? upstream.notBefore : truncateToSecond(new Date(input.now.getTime() - DAY_MS));
    const notAfter = upstream ? upstream.notAfter : new Date(notBefore.getTime() + 90 * DAY_MS);
    const san = upstream ? upstreamExtension(upstream, OID.subjectAltName) : sniSan(input.sni);
    return {
      subject: upstream ? upstream.subjectDer : nameFromSni(input.sni),
      serialHex: upstream
        ? randomiseSerialTail(upstream.serialHex, KZ_2019_RANDOM_SERIAL_BITS, input.randomBytes)
        : input.randomBytes(16).toString('hex').replace(/^./, '1'),
      notBefore: new Date(notBefore.getTime() - shift),
      notAfter: new Date(notAfter.getTime() - shift),
      key: {
        kind: 'per-host',
        host: input.sni,
        spec: { type: 'rsa2048', modulusLength: options.kz2019?.modulusLength ?? 2048, publicExponent: 3 },
      },
      extensions: () => (san ? [Buffer.isBuffer(san) ? san : san.der] : []),
    };
  },
};

/** Replaces the low `bits` bits of an unsigned big-endian serial with random ones. */
export function randomiseSerialTail(serialHex: string, bits: number, randomBytes: (n: number) => Buffer): string {
  const bytes = Buffer.from(serialHex.length % 2 ? `0${serialHex}` : serialHex, 'hex');
  const noise = randomBytes(bytes.length);
  let remaining = bits;
  for (let i = bytes.length - 1; i >= 0 && remaining > 0; i--, remaining -= 8) {
    const mask = remaining >= 8 ? 0xff : (1 << remaining) - 1;
    bytes[i] = (bytes[i]! & ~mask) | (noise[i]! & mask);
  }
  // an all-zero serial is not a valid INTEGER for a certificate
  if (bytes.every((b) => b === 0)) bytes[bytes.length - 1] = 1;
  return bytes.toString('hex');
}
