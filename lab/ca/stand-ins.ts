/**
 * The lab's copies of the real campaign roots carry fresh keys (nobody outside the operator holds
 * the real ones). A copy "stands in" for every real certificate of the record with the same
 * subject, so blocklist-style defences can be replayed against the lab key as if it were the real one.
 */
import { X509Certificate } from 'node:crypto';
import { KAZAKH_INTERCEPTION_SPKIS } from './known-interception.ts';
import { spkiSha256 } from './spki.ts';

export interface KeyStandIn {
  labSpkiSha256: string;
  realSpkiSha256: string;
  subject: string;
}

/** RDNs as an order-free set: the record prints subjects in either order */
function rdnKey(rdns: readonly string[]): string {
  return rdns.map((r) => r.trim()).sort().join('\u0000');
}

export function keyStandIns(certificatesPem: readonly string[]): KeyStandIn[] {
  const standIns: KeyStandIn[] = [];
  for (const pem of certificatesPem) {
    const subject = rdnKey(new X509Certificate(pem).subject.split('\n'));
    const lab = spkiSha256(pem).base64;
    for (const real of KAZAKH_INTERCEPTION_SPKIS) {
      if (rdnKey(real.subject.split(', ')) !== subject) continue;
      standIns.push({ labSpkiSha256: lab, realSpkiSha256: real.spkiSha256Base64, subject: real.subject });
    }
  }
  return standIns;
}
