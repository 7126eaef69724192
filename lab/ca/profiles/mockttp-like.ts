import { DAY_MS, nameFromSni, randomSerial, serverLeafBasics, sniSan, truncateToSecond } from './common.ts';
import type { ForgingProfile } from './types.ts';

/** mockttp (certificates.ts): one RSA-2048 key for the whole process, C=XX, CN from SNI, 45 days backdated 1 day. */
export const mockttpLike: ForgingProfile = {
  name: 'mockttp-like',
  summary: 'one shared RSA-2048 key per process, C=XX, CN/SAN from SNI, 45 days backdated 1 day',
  usesUpstream: false,
  plan(input) {
    const notBefore = truncateToSecond(new Date(input.now.getTime() - DAY_MS));
    return {
      subject: nameFromSni(input.sni, 'XX'),
      serialHex: randomSerial(input.randomBytes),
      notBefore,
      notAfter: new Date(notBefore.getTime() + 45 * DAY_MS),
      key: { kind: 'process-shared', spec: { type: 'rsa2048' } },
      extensions: () => [...serverLeafBasics(true), sniSan(input.sni)],
    };
  },
};
