/**
 * Turns a certificate description into a signed DER certificate. Every preset, origin and forged
 * leaf goes through here, so encoding choices (serial, name, extension order) live in one spot.
 *
 * The TBSCertificate is concatenated from DER parts and signed with node:crypto's synchronous
 * sign(): measured here, X509CertificateGenerator.create (asn1-schema serialisation, WebCrypto
 * round trip) spent 4–7 ms per RSA-2048 leaf where the signature itself takes about 1 ms.
 */
import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { x509 } from './x509.ts';
import type { LabKeyPair, SigningAlgorithm } from './keys.ts';
import { derToPem } from './pem.ts';
import * as der from './der.ts';

export interface Signer {
  name: x509.Name;
  spkiDer: Buffer;
  key: KeyObject;
  algorithm: SigningAlgorithm;
  /** the signer's own certificate, absent only while a root signs itself */
  certificate?: x509.X509Certificate;
  /** encoded once: the issuer Name and signature AlgorithmIdentifier every certificate repeats */
  nameDer: Buffer;
  signatureAlgorithmDer: Buffer;
  /** digest for node:crypto sign(); null for Ed25519 */
  hash: string | null;
}

export interface CertificateSpec {
  /** a Name, or its DER when the caller built it directly */
  subject: x509.Name | Uint8Array;
  /** unsigned big-endian hex, exactly the bytes the serial INTEGER will carry (a sign byte is added when needed) */
  serialHex: string;
  notBefore: Date;
  notAfter: Date;
  spkiDer: Buffer;
  /** written in this order (real roots differ in order; presets reproduce it); DER or objects */
  extensions: Array<x509.Extension | Uint8Array>;
}

/** A signed certificate in the forms callers use; parsing into X509Certificate is deferred. */
export interface SignedCertificate {
  der: Buffer;
  pem: string;
  /** parsed view, built on first access (the forging hot path does not need it) */
  readonly certificate: x509.X509Certificate;
}

export async function signerFromKeyPair(name: x509.Name, pair: LabKeyPair, certificate?: x509.X509Certificate): Promise<Signer> {
  const signer: Signer = {
    name,
    spkiDer: pair.spkiDer,
    key: createPrivateKey(pair.privateKeyPem),
    algorithm: pair.algorithm,
    nameDer: Buffer.from(name.toArrayBuffer()),
    ...signatureAlgorithm(pair.algorithm),
  };
  if (certificate) signer.certificate = certificate;
  return signer;
}

const SIGNATURE_OIDS = {
  'RSASSA-PKCS1-v1_5': '1.2.840.113549.1.1.11',
  'ECDSA/SHA-256': '1.2.840.10045.4.3.2',
  'ECDSA/SHA-384': '1.2.840.10045.4.3.3',
  Ed25519: '1.3.101.112',
} as const;

function signatureAlgorithm(algorithm: SigningAlgorithm): { signatureAlgorithmDer: Buffer; hash: string | null } {
  switch (algorithm.name) {
    case 'RSASSA-PKCS1-v1_5':
      // RFC 4055: sha256WithRSAEncryption carries an explicit NULL parameter
      return { signatureAlgorithmDer: der.sequence(der.oid(SIGNATURE_OIDS['RSASSA-PKCS1-v1_5']), Buffer.from([0x05, 0x00])), hash: 'sha256' };
    case 'ECDSA':
      return {
        signatureAlgorithmDer: der.sequence(der.oid(SIGNATURE_OIDS[`ECDSA/${algorithm.hash}`])),
        hash: algorithm.hash === 'SHA-256' ? 'sha256' : 'sha384',
      };
    case 'Ed25519':
      return { signatureAlgorithmDer: der.sequence(der.oid(SIGNATURE_OIDS.Ed25519)), hash: null };
  }
}

export function signCertificateSync(spec: CertificateSpec, signer: Signer): SignedCertificate {
  const extensions = spec.extensions.map((e) => (e instanceof Uint8Array ? e : new Uint8Array(e.rawData)));
  const tbs = der.sequence(
    V3,
    der.unsignedInteger(Buffer.from(spec.serialHex.length % 2 ? `0${spec.serialHex}` : spec.serialHex, 'hex')),
    signer.signatureAlgorithmDer,
    signer.nameDer,
    der.sequence(der.time(spec.notBefore), der.time(spec.notAfter)),
    spec.subject instanceof Uint8Array ? spec.subject : new Uint8Array(spec.subject.toArrayBuffer()),
    spec.spkiDer,
    ...(extensions.length > 0 ? [der.tlv(0xa3, der.sequence(...extensions))] : []),
  );
  const signature = sign(signer.hash, tbs, signer.key);
  const certificateDer = der.sequence(tbs, signer.signatureAlgorithmDer, der.tlv(0x03, Buffer.from([0]), signature));
  let parsed: x509.X509Certificate | undefined;
  return {
    der: certificateDer,
    pem: derToPem(certificateDer),
    get certificate() {
      parsed ??= new x509.X509Certificate(new Uint8Array(certificateDer));
      return parsed;
    },
  };
}

/** [0] EXPLICIT Version v3 */
const V3 = Buffer.from([0xa0, 0x03, 0x02, 0x01, 0x02]);

/** Async form kept for callers off the hot path. */
export async function signCertificate(spec: CertificateSpec, signer: Signer): Promise<x509.X509Certificate> {
  return signCertificateSync(spec, signer).certificate;
}

export function toPem(cert: x509.X509Certificate): string {
  return cert.toString('pem') + '\n';
}

/** Positive serial with the top bit clear, so the DER INTEGER has no sign byte. */
export function randomSerialHex(bytes = 16): string {
  const buf = Buffer.from(crypto.getRandomValues(new Uint8Array(bytes)));
  buf[0] = (buf[0]! & 0x7f) | 0x01;
  return buf.toString('hex');
}
