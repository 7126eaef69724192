import { x509 } from '../x509.ts';
import { OID } from '../extensions.ts';
import { DAY_MS, randomSerial, truncateToSecond, upstreamExtension } from './common.ts';
import type { ForgingProfile } from './types.ts';

/**
 * mitmproxy's dummy_cert (certs.py) with upstream_cert on: the leaf's public key is the CA's own,
 * CN/O and all SANs are copied from the upstream certificate (SNI added), a CRL distribution
 * point is rewritten to /mitmproxy-<CA serial>.crl when upstream had one; 199 days, backdated 2 days.
 */
export const mitmproxyLike: ForgingProfile = {
  name: 'mitmproxy-like',
  summary: 'CA key reused as leaf key, CN/O/SAN copied from upstream, 199 days backdated 2 days',
  usesUpstream: true,
  plan(input) {
    const { upstream, sni } = input;
    const notBefore = truncateToSecond(new Date(input.now.getTime() - 2 * DAY_MS));
    const commonName = upstream?.subjectName.getField('CN')[0] ?? sni;
    const organization = upstream?.subjectName.getField('O')[0];
    const subject = new x509.Name([
      { CN: [commonName] },
      ...(organization ? [{ O: [organization] }] : []),
    ]);
    const names = new Set<string>([sni]);
    const upstreamSan = upstreamExtension(upstream, OID.subjectAltName);
    if (upstreamSan) {
      for (const n of new x509.SubjectAlternativeNameExtension(upstreamSan.rawData).names.items) {
        if (n.type === 'dns') names.add(n.value);
      }
    }
    const upstreamCrl = upstreamExtension(upstream, OID.crlDistributionPoints);
    return {
      subject,
      serialHex: randomSerial(input.randomBytes),
      notBefore,
      notAfter: new Date(notBefore.getTime() + 199 * DAY_MS),
      key: { kind: 'issuer' },
      extensions: () => [
        new x509.SubjectAlternativeNameExtension([...names].map((value) => ({ type: 'dns' as const, value }))),
        new x509.ExtendedKeyUsageExtension([OID.serverAuth]),
        ...(upstreamCrl ? [new x509.CRLDistributionPointsExtension([rewrittenCrlUrl(upstreamCrl, input.issuer.serialHex)])] : []),
      ],
    };
  },
};

function rewrittenCrlUrl(upstreamCrl: x509.Extension, caSerialHex: string): string {
  const original = new x509.CRLDistributionPointsExtension(upstreamCrl.rawData);
  const first = original.distributionPoints[0]?.distributionPoint?.fullName?.[0]?.uniformResourceIdentifier;
  const origin = first ? new URL(first).origin : 'http://mitm.it';
  return `${origin}/mitmproxy-${caSerialHex}.crl`;
}
