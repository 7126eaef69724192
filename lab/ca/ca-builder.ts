/**
 * Mints CA certificates (roots and intermediates) from a description; presets supply the facts.
 */
import { x509 } from './x509.ts';
import { generateLabKeyPair, type KeySpec, type LabKeyPair } from './keys.ts';
import { signCertificate, signerFromKeyPair, toPem, type Signer } from './sign.ts';
import { authorityKeyIdentifier, subjectKeyIdentifier } from './extensions.ts';
import type { KeyedCertificate } from './types.ts';

export interface CaDescription {
  subject: x509.Name;
  serialHex: string;
  notBefore: Date;
  notAfter: Date;
  key: KeySpec;
  /** extensions in certificate order; the builder gets the keys so it can add SKI/AKI */
  extensions(ids: CaIdentifiers): x509.Extension[];
}

export interface CaIdentifiers {
  subjectKeyIdentifier: x509.Extension;
  /** keyid form, from the issuer's key (the CA's own for a root) */
  authorityKeyIdentifier: x509.Extension;
  issuer: x509.Name;
  issuerSerialHex: string;
  issuerSpkiDer: Buffer;
}

export interface MintedCa {
  keyed: KeyedCertificate;
  certificate: x509.X509Certificate;
  signer: Signer;
}

export async function mintRoot(description: CaDescription): Promise<MintedCa> {
  const pair = await generateLabKeyPair(description.key);
  const selfSigner = await signerFromKeyPair(description.subject, pair);
  const ids: CaIdentifiers = {
    subjectKeyIdentifier: subjectKeyIdentifier(pair.spkiDer),
    authorityKeyIdentifier: authorityKeyIdentifier(pair.spkiDer),
    issuer: description.subject,
    issuerSerialHex: description.serialHex,
    issuerSpkiDer: pair.spkiDer,
  };
  return finish(description, pair, selfSigner, ids);
}

export async function mintIntermediate(description: CaDescription, parent: MintedCa): Promise<MintedCa> {
  const pair = await generateLabKeyPair(description.key);
  const ids: CaIdentifiers = {
    subjectKeyIdentifier: subjectKeyIdentifier(pair.spkiDer),
    authorityKeyIdentifier: authorityKeyIdentifier(parent.signer.spkiDer),
    issuer: parent.signer.name,
    issuerSerialHex: parent.certificate.serialNumber,
    issuerSpkiDer: parent.signer.spkiDer,
  };
  return finish(description, pair, parent.signer, ids);
}

async function finish(description: CaDescription, pair: LabKeyPair, issuer: Signer, ids: CaIdentifiers): Promise<MintedCa> {
  const certificate = await signCertificate(
    {
      subject: description.subject,
      serialHex: description.serialHex,
      notBefore: description.notBefore,
      notAfter: description.notAfter,
      spkiDer: pair.spkiDer,
      extensions: description.extensions(ids),
    },
    issuer,
  );
  const signer = await signerFromKeyPair(description.subject, pair, certificate);
  return { keyed: { certPem: toPem(certificate), keyPem: pair.privateKeyPem }, certificate, signer };
}

export const CA_KEY_USAGE = x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign;

/** The usual intermediate: pathLen 0, keyCertSign + cRLSign, SKI, AKI. */
export function intermediateExtensions(ids: CaIdentifiers): x509.Extension[] {
  return [
    new x509.BasicConstraintsExtension(true, 0, true),
    new x509.KeyUsagesExtension(CA_KEY_USAGE | x509.KeyUsageFlags.digitalSignature, true),
    ids.subjectKeyIdentifier,
    ids.authorityKeyIdentifier,
  ];
}
