/**
 * Turns a certificate description into a signed DER certificate. Every preset, origin and forged
 * leaf goes through here, so encoding choices (serial, name, extension order) live in one spot.
 *
 * The TBSCertificate is assembled with @peculiar/asn1-x509 and signed with node:crypto's
 * synchronous sign(): measured here, X509CertificateGenerator.create (DI container, WebCrypto
 * round trip) spent 4–7 ms per RSA-2048 leaf where the signature itself takes about 1 ms.
 */
import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import * as asn1 from '@peculiar/asn1-x509';
import { x509 } from './x509.ts';
import type { LabKeyPair, SigningAlgorithm } from './keys.ts';
import { derToPem } from './pem.ts';

export interface Signer {
  name: x509.Name;
  spkiDer: Buffer;
  key: KeyObject;
  algorithm: SigningAlgorithm;
  /** the signer's own certificate, absent only while a root signs itself */
  certificate?: x509.X509Certificate;
  /** parsed once: the issuer Name and signature AlgorithmIdentifier every certificate repeats */
  issuerAsn: asn1.Name;
}

export interface CertificateSpec {
  subject: x509.Name;
  /** unsigned big-endian hex, exactly the bytes the serial INTEGER will carry (a sign byte is added when needed) */
  serialHex: string;
  notBefore: Date;
  notAfter: Date;
  spkiDer: Buffer;
  /** written in this order (real roots differ in order; presets reproduce it) */
  extensions: x509.Extension[];
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
    issuerAsn: AsnConvert.parse(name.toArrayBuffer(), asn1.Name),
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

function signatureAlgorithm(algorithm: SigningAlgorithm): { identifier: asn1.AlgorithmIdentifier; hash: string | null } {
  switch (algorithm.name) {
    case 'RSASSA-PKCS1-v1_5':
      // RFC 4055: sha256WithRSAEncryption carries an explicit NULL parameter
      return { identifier: new asn1.AlgorithmIdentifier({ algorithm: SIGNATURE_OIDS['RSASSA-PKCS1-v1_5'], parameters: null }), hash: 'sha256' };
    case 'ECDSA':
      return {
        identifier: new asn1.AlgorithmIdentifier({ algorithm: SIGNATURE_OIDS[`ECDSA/${algorithm.hash}`] }),
        hash: algorithm.hash === 'SHA-256' ? 'sha256' : 'sha384',
      };
    case 'Ed25519':
      return { identifier: new asn1.AlgorithmIdentifier({ algorithm: SIGNATURE_OIDS.Ed25519 }), hash: null };
  }
}

export function signCertificateSync(spec: CertificateSpec, signer: Signer): SignedCertificate {
  const { identifier, hash } = signatureAlgorithm(signer.algorithm);
  const tbs = new asn1.TBSCertificate({
    version: asn1.Version.v3,
    serialNumber: serialInteger(spec.serialHex),
    signature: identifier,
    issuer: signer.issuerAsn,
    validity: new asn1.Validity({ notBefore: spec.notBefore, notAfter: spec.notAfter }),
    subject: AsnConvert.parse(spec.subject.toArrayBuffer(), asn1.Name),
    subjectPublicKeyInfo: AsnConvert.parse(spec.spkiDer, asn1.SubjectPublicKeyInfo),
  });
  if (spec.extensions.length > 0) {
    tbs.extensions = new asn1.Extensions(spec.extensions.map((e) => AsnConvert.parse(e.rawData, asn1.Extension)));
  }
  const tbsDer = Buffer.from(AsnConvert.serialize(tbs));
  const signature = sign(hash, tbsDer, signer.key);
  const certificate = new asn1.Certificate({ tbsCertificate: tbs, signatureAlgorithm: identifier, signatureValue: toArrayBuffer(signature) });
  const der = Buffer.from(AsnConvert.serialize(certificate));
  let parsed: x509.X509Certificate | undefined;
  return {
    der,
    pem: derToPem(der),
    get certificate() {
      parsed ??= new x509.X509Certificate(new Uint8Array(der));
      return parsed;
    },
  };
}

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

/** INTEGER content octets for an unsigned serial: leading zeros dropped, a 0x00 added before a high bit. */
function serialInteger(serialHex: string): ArrayBuffer {
  let bytes = Buffer.from(serialHex.length % 2 ? `0${serialHex}` : serialHex, 'hex');
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  bytes = bytes.subarray(start);
  if (bytes.length === 0) bytes = Buffer.from([0]);
  if (bytes[0]! & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return toArrayBuffer(bytes);
}

function toArrayBuffer(bytes: Buffer): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
