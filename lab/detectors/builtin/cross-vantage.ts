/**
 * cross-vantage (Hyperquack, Censored Planet): fetch the same site from a vantage point outside
 * the suspected path and compare certificates. On loopback there is no second path, so the
 * harness records the probe as skipped and so does this detector.
 */
import { parseCertificate, sameCertificate, splitPem } from '../certificates.ts';
import type { Evidence } from '../evidence.ts';
import { clear, flag, skip, type Detector, type Finding } from '../types.ts';

export function crossVantageDetector(): Detector {
  return {
    name: 'cross-vantage',
    description: 'the leaf the client saw differs from the one another vantage point sees (Hyperquack)',
    inspect: inspectCrossVantage,
  };
}

function inspectCrossVantage(evidence: Evidence): Finding {
  const probe = evidence.probes?.crossVantage;
  if (!probe) return skip('no cross-vantage probe in the evidence');
  if ('skipped' in probe) return skip(`cross-vantage probe skipped: ${probe.skipped}`);
  const seenPem = splitPem(evidence.chainPem ?? [])[0];
  if (!seenPem) return skip("no chainPem: nothing to compare with the probe's chain");
  const seen = parseCertificate(seenPem);
  const elsewhere = parseCertificate(splitPem(probe.chainPem)[0] ?? '');
  if (sameCertificate(seen, elsewhere)) return clear(0.9, 'both vantage points saw the same leaf');
  if (seen.spkiSha256 === elsewhere.spkiSha256) {
    // a re-issued certificate on the same key is routine for real sites
    return clear(0.6, 'the leaves differ but share a key (a re-issue, not a substitution)');
  }
  return flag(0.9, `the client saw "${seen.issuer}" / SPKI ${seen.spkiSha256}, the other vantage saw "${elsewhere.issuer}" / SPKI ${elsewhere.spkiSha256}`);
}
