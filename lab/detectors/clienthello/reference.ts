/**
 * What each of the lab's clients looks like on the wire, measured on this machine (Debian 12,
 * 2026-11-23) against a loopback recorder (test/detectors/helpers/real-clients.ts and
 * browser-clients.ts), plus two values measured before on other builds (marked below). The tests re-measure every client
 * and fail when its stack changes, so this table cannot silently rot.
 *
 * Keyed by JA4's b_c parts (cipher hash, extension+signature-algorithm hash): they name the TLS
 * stack. JA4's first part carries SNI presence, ALPN and counts, which depend on how a program
 * was called (IP vs name, h1 vs h2), not on which program it is.
 */
import type { Grade } from './grade.ts';

export interface ClientReference {
  client: string;
  /** JA4 "b_c" of every stack build this client was seen with */
  stacks: readonly { ja4Stack: string; seen: string }[];
  /** the worst grade its own ClientHello earns; anything worse at the origin was not its doing */
  grade: Grade;
}

export const CLIENT_REFERENCES: readonly ClientReference[] = [
  {
    client: 'curl',
    stacks: [{ ja4Stack: 'e8f1e7e78f70_b26ce05bbdd6', seen: 'curl 7.88.1 / OpenSSL 3.0 (t13d3112h2)' }],
    grade: 'A',
  },
  {
    client: 'openssl',
    stacks: [{ ja4Stack: 'e8f1e7e78f70_1f22a2ca17c4', seen: 'openssl s_client 3.0 (t13d311000)' }],
    grade: 'A',
  },
  {
    client: 'node',
    stacks: [
      { ja4Stack: 'a33745022dd6_1f22a2ca17c4', seen: 'Node 20.20 undici/https (t13d5911h1, t13i590900, with ALPN h2: t13d5911h2)' },
      // whether a hello resumes depends on what the same process did before (the engine's own upstream
      // session cache): without this variant the same cell scored TP in one run order and FN in another
      { ja4Stack: 'a33745022dd6_dbd39dd1d406', seen: 'Node 20.20 resumed session: pre_shared_key added (t13d5912h1)' },
    ],
    // Node's default list keeps OpenSSL's HIGH set, ARIA-GCM included, which MITMEngine grades C
    grade: 'C',
  },
  {
    client: 'python',
    stacks: [
      { ja4Stack: 'e8f1e7e78f70_d41ae481755e', seen: 'Debian python3 3.11.2 urllib / OpenSSL 3.0 (t13d311100)' },
      { ja4Stack: '85036bcba153_d41ae481755e', seen: 'pyenv Python 3.11.7 urllib (t13d181100, measured before on a pyenv build)' },
    ],
    grade: 'A',
  },
  {
    client: 'chromium',
    stacks: [
      { ja4Stack: '8daaf6152771_cb7bf5808d99', seen: 'Debian Chromium 156 headless, new session (t13d1517h2)' },
      { ja4Stack: '8daaf6152771_e2d80978ab2e', seen: 'Debian Chromium 156 headless, resumed session: pre_shared_key added (t13d1518h2)' },
    ],
    grade: 'A',
  },
  {
    client: 'firefox',
    stacks: [
      { ja4Stack: '86a278354501_3cbfd9057e0d', seen: 'Firefox ESR 153 headless, new session (t13d1617h2)' },
      { ja4Stack: '86a278354501_e6dcd7ae0a9e', seen: 'Firefox ESR 153 headless, resumed session: pre_shared_key added (t13d1617h2)' },
    ],
    grade: 'A',
  },
];

/** "t13d3112h2_e8f1e7e78f70_b26ce05bbdd6" → "e8f1e7e78f70_b26ce05bbdd6" */
export function ja4Stack(ja4: string): string {
  return ja4.split('_').slice(1).join('_');
}
