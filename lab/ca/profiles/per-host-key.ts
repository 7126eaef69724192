import { DAY_MS, nameFromSni, randomSerial, serverLeafBasics, sniSan, truncateToSecond } from './common.ts';
import type { ForgingProfile } from './types.ts';

/** http-mitm-proxy style: a new RSA-2048 key for every host, CN/SAN from SNI, 1 year backdated 1 day. */
export const perHostKey: ForgingProfile = {
  name: 'per-host-key',
  summary: 'new RSA-2048 key per host, CN/SAN from SNI, 1 year backdated 1 day',
  usesUpstream: false,
  plan(input) {
    const notBefore = truncateToSecond(new Date(input.now.getTime() - DAY_MS));
    return {
      subject: nameFromSni(input.sni),
      serialHex: randomSerial(input.randomBytes),
      notBefore,
      notAfter: new Date(notBefore.getTime() + 365 * DAY_MS),
      key: { kind: 'per-host', host: input.sni, spec: { type: 'rsa2048' } },
      extensions: () => [...serverLeafBasics(true), sniSan(input.sni)],
    };
  },
};
