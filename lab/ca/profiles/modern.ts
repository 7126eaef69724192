import { authorityKeyIdentifierDer, subjectKeyIdentifierDer } from '../extensions.ts';
import { DAY_MS, HOUR_MS, nameFromSni, randomSerial, serverLeafBasics, sniSan, truncateToSecond } from './common.ts';
import type { ForgingProfile } from './types.ts';

/** A well-behaved modern interceptor: ECDSA P-256, fresh key per leaf, SAN from SNI, 90 days. */
export const modern: ForgingProfile = {
  name: 'modern',
  summary: 'ECDSA P-256, fresh key per leaf, SAN from SNI, 90 days (backdated 1 h)',
  usesUpstream: false,
  plan(input) {
    const notBefore = truncateToSecond(new Date(input.now.getTime() - HOUR_MS));
    return {
      subject: nameFromSni(input.sni),
      serialHex: randomSerial(input.randomBytes),
      notBefore,
      notAfter: new Date(notBefore.getTime() + 90 * DAY_MS),
      key: { kind: 'fresh', spec: { type: 'ecdsa-p256' } },
      extensions: (leafSpki) => [
        ...serverLeafBasics(false),
        subjectKeyIdentifierDer(leafSpki),
        authorityKeyIdentifierDer(input.issuer.spkiDer),
        sniSan(input.sni),
      ],
    };
  },
};
