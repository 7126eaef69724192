// Detector plug-in (module form) for tls-interception-lab: the same check as issuer-country.py,
// as a default-exported Detector. Load with `--detector-plugin examples/detectors/issuer-country.mjs`.
import { X509Certificate } from 'node:crypto';

const FLAGGED_COUNTRIES = new Set(['KZ']);
const PEM = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function countryOf(name) {
  // node prints distinguished names one attribute per line: "C=KZ\nCN=Qaznet Trust Network"
  const line = name.split('\n').find((entry) => entry.startsWith('C='));
  return line?.slice(2).toUpperCase();
}

export default {
  name: 'issuer-country',
  description: 'a certificate in the chain was issued by a CA in a listed country (KZ)',
  inspect(evidence) {
    const chain = (evidence.chainPem ?? []).join('\n').match(PEM) ?? [];
    if (chain.length === 0) return { skipped: 'no chainPem in the evidence' };
    for (const pem of chain) {
      const { issuer } = new X509Certificate(pem);
      const country = countryOf(issuer);
      if (country && FLAGGED_COUNTRIES.has(country)) {
        return { flagged: true, confidence: 0.8, reason: `issuer "${issuer.replaceAll('\n', ', ')}" is in ${country}` };
      }
    }
    return { flagged: false, confidence: 0.5, reason: `no issuer in ${[...FLAGGED_COUNTRIES].join(', ')} among ${chain.length} certificate(s)` };
  },
};
