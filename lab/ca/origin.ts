/**
 * Origin (real-server) certificates from `lab-public`, the lab's stand-in for the web PKI. They
 * carry what public certificates carry (SAN, EKU, AIA, CRL DP, DV policy, SCTs) so that a forger
 * which strips or changes them leaves a visible difference. Also the "bad origin" variants.
 */
import { x509 } from './x509.ts';
import { generateLabKeyPair } from './keys.ts';
import { openAuthority } from './issuing.ts';
import { randomSerialHex, signCertificate, signerFromKeyPair, toPem, type Signer } from './sign.ts';
import { OID, authorityKeyIdentifier, fakeSctList, subjectKeyIdentifier } from './extensions.ts';
import { printableName } from './names.ts';
import type { AuthorityMaterial } from './types.ts';
import { UserError } from '../errors.ts';

export interface OriginCertificateRequest {
  names: string[];
  keyType?: 'rsa2048' | 'ecdsa-p256';
  validity?: 'valid' | 'expired' | 'not-yet-valid';
  /** signed by its own key instead of the authority (a "bad origin") */
  selfSigned?: boolean;
  /** clock; default now */
  now?: Date;
  /** where the AIA and CRL distribution point URLs lead (http://host:port); default a name that resolves nowhere */
  revocationBase?: string;
}

export interface OriginCertificate {
  certPem: string;
  keyPem: string;
  /** leaf followed by the intermediates, as a server sends it */
  chainPem: string;
  /** unsigned big-endian hex, as a CRL lists it */
  serialHex: string;
}

const DAY_MS = 86_400_000;
const ORIGIN_DAYS = 90;
const AIA_BASE = 'http://pki.lab-public.test';

export async function issueServerCertificate(authority: AuthorityMaterial, request: OriginCertificateRequest): Promise<OriginCertificate> {
  if (request.names.length === 0) throw new UserError('an origin certificate needs at least one name');
  const now = request.now ?? new Date();
  const pair = await generateLabKeyPair({ type: request.keyType ?? 'ecdsa-p256' });
  const subject = printableName([['CN', request.names[0]!]]);
  const { notBefore, notAfter } = originWindow(now, request.validity ?? 'valid');

  let signer: Signer;
  let chainTail = '';
  if (request.selfSigned) {
    signer = await signerFromKeyPair(subject, pair);
  } else {
    const issuing = await openAuthority(authority);
    signer = issuing.signer;
    chainTail = issuing.intermediatesPem;
  }
  const isRsa = pair.algorithm.name === 'RSASSA-PKCS1-v1_5';
  const keyUsage = x509.KeyUsageFlags.digitalSignature | (isRsa ? x509.KeyUsageFlags.keyEncipherment : 0);
  const serialHex = randomSerialHex();
  const base = request.revocationBase ?? AIA_BASE;
  const extensions: x509.Extension[] = [
    new x509.KeyUsagesExtension(keyUsage, true),
    new x509.ExtendedKeyUsageExtension([OID.serverAuth, OID.clientAuth]),
    new x509.BasicConstraintsExtension(false, undefined, true),
    subjectKeyIdentifier(pair.spkiDer),
    authorityKeyIdentifier(signer.spkiDer),
    new x509.AuthorityInfoAccessExtension({
      ocsp: [new x509.GeneralName('url', `${base}/ocsp`)],
      caIssuers: [new x509.GeneralName('url', `${base}/issuing.der`)],
    }),
    new x509.SubjectAlternativeNameExtension(request.names.map((value) => ({ type: nameType(value), value }))),
    new x509.CertificatePolicyExtension([OID.dvPolicy]),
    new x509.CRLDistributionPointsExtension([`${base}/issuing.crl`]),
    fakeSctList(notBefore.getTime()),
  ];
  const certificate = await signCertificate({ subject, serialHex, notBefore, notAfter, spkiDer: pair.spkiDer, extensions }, signer);
  const certPem = toPem(certificate);
  return { certPem, keyPem: pair.privateKeyPem, chainPem: certPem + chainTail, serialHex };
}

function nameType(value: string): 'dns' | 'ip' {
  return /^[\d.]+$/.test(value) || value.includes(':') ? 'ip' : 'dns';
}

function originWindow(now: Date, validity: 'valid' | 'expired' | 'not-yet-valid'): { notBefore: Date; notAfter: Date } {
  const t = Math.floor(now.getTime() / 1000) * 1000;
  switch (validity) {
    case 'valid':
      return { notBefore: new Date(t - DAY_MS), notAfter: new Date(t + (ORIGIN_DAYS - 1) * DAY_MS) };
    case 'expired':
      return { notBefore: new Date(t - (ORIGIN_DAYS + 30) * DAY_MS), notAfter: new Date(t - 30 * DAY_MS) };
    case 'not-yet-valid':
      return { notBefore: new Date(t + 30 * DAY_MS), notAfter: new Date(t + (ORIGIN_DAYS + 30) * DAY_MS) };
  }
}
