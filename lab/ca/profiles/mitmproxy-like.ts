import { OID, SERVER_AUTH_EKU_DER, crlDistributionPointDer, simpleNameDer, subjectAltNameDer } from '../extensions.ts';
import { dnsNames, subjectAttribute, type UpstreamExtension } from '../upstream.ts';
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
    const commonName = (upstream && subjectAttribute(upstream.native, 'CN')) ?? sni;
    const organization = upstream && subjectAttribute(upstream.native, 'O');
    const subject = simpleNameDer(organization ? [['CN', commonName], ['O', organization]] : [['CN', commonName]]);
    const names = new Set<string>([sni]);
    if (upstream) for (const name of dnsNames(upstream.native)) names.add(name);
    const upstreamCrl = upstreamExtension(upstream, OID.crlDistributionPoints);
    return {
      subject,
      serialHex: randomSerial(input.randomBytes),
      notBefore,
      notAfter: new Date(notBefore.getTime() + 199 * DAY_MS),
      key: { kind: 'issuer' },
      extensions: () => [
        subjectAltNameDer([...names]),
        SERVER_AUTH_EKU_DER,
        ...(upstreamCrl ? [crlDistributionPointDer(rewrittenCrlUrl(upstreamCrl, input.issuer.serialHex))] : []),
      ],
    };
  },
};

function rewrittenCrlUrl(upstreamCrl: UpstreamExtension, caSerialHex: string): string {
  const first = firstUri(upstreamCrl.value);
  let origin = 'http://mitm.it';
  try {
    if (first) origin = new URL(first).origin;
  } catch {
    // a malformed URL upstream: keep the default host
  }
  return `${origin}/mitmproxy-${caSerialHex}.crl`;
}

/** First uniformResourceIdentifier ([6] IA5String) in a DER value; short-form lengths cover URLs here. */
function firstUri(value: Buffer): string | undefined {
  for (let at = 0; at + 2 <= value.length; at++) {
    if (value[at] !== 0x86) continue;
    const length = value[at + 1]!;
    if (length >= 0x80 || at + 2 + length > value.length) continue;
    const text = value.subarray(at + 2, at + 2 + length).toString('latin1');
    if (/^[a-z][a-z0-9+.-]*:\/\/[\x21-\x7e]+$/i.test(text)) return text;
  }
  return undefined;
}
