/**
 * The signing side of an authority: the CA that signs leaves (issuing intermediate, or the root
 * when there is none), ready to sign, plus the chain a server must send. Parsed once per
 * AuthorityMaterial object.
 */
import { x509 } from './x509.ts';
import { loadLabKeyPair } from './keys.ts';
import { parseCertificate } from './pem.ts';
import { signerFromKeyPair, type Signer } from './sign.ts';
import type { AuthorityMaterial } from './types.ts';

export interface IssuingAuthority {
  signer: Signer & { certificate: x509.X509Certificate };
  /** PEM of the private key of the issuing CA (mitmproxy-like reuses it as the leaf key) */
  signerKeyPem: string;
  /** intermediates as PEM, issuing first; what follows the leaf on the wire */
  intermediatesPem: string;
  root: x509.X509Certificate;
}

const opened = new WeakMap<AuthorityMaterial, Promise<IssuingAuthority>>();

export function openAuthority(authority: AuthorityMaterial): Promise<IssuingAuthority> {
  let promise = opened.get(authority);
  if (!promise) {
    promise = open(authority);
    opened.set(authority, promise);
  }
  return promise;
}

async function open(authority: AuthorityMaterial): Promise<IssuingAuthority> {
  const issuing = authority.intermediates[0] ?? authority.root;
  const certificate = parseCertificate(issuing.certPem, `${authority.preset} issuing CA`);
  const pair = loadLabKeyPair(issuing.keyPem, `${authority.preset} issuing CA key`);
  const signer = await signerFromKeyPair(new x509.Name(certificate.subjectName.toArrayBuffer()), pair, certificate);
  return {
    signer: signer as IssuingAuthority['signer'],
    signerKeyPem: issuing.keyPem,
    intermediatesPem: authority.intermediates.map((i) => i.certPem).join(''),
    root: parseCertificate(authority.root.certPem, `${authority.preset} root`),
  };
}
