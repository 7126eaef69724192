/** PEM bundles → single certificates, and the facts about each that trust stores key on. */
import 'reflect-metadata';
import { X509Certificate as PeculiarCertificate } from '@peculiar/x509';
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { spkiSha256 } from '../chain.ts';

export interface CertificateFacts {
  certificate: X509Certificate;
  pem: string;
  der: Buffer;
  /** base64 SHA-256 of the SubjectPublicKeyInfo */
  spkiSha256: string;
  /** base64 DER of the SubjectPublicKeyInfo */
  spkiDerBase64: string;
  /** base64 DER of the subject Name (OneCRL's subject form) */
  subjectDerBase64: string;
  /** base64 DER of the issuer Name (OneCRL's issuerName form) */
  issuerDerBase64: string;
  /** base64 of the serial's DER content bytes (OneCRL's serialNumber form) */
  serialBase64: string;
  subject: string;
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

export function splitPemBundle(text: string): string[] {
  return text.match(PEM_BLOCK)?.map((block) => `${block}\n`) ?? [];
}

export function describeCertificate(pem: string): CertificateFacts {
  const node = new X509Certificate(pem);
  const peculiar = new PeculiarCertificate(pem);
  return {
    certificate: node,
    pem,
    der: node.raw,
    spkiSha256: spkiSha256(node),
    spkiDerBase64: node.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    subjectDerBase64: Buffer.from(peculiar.subjectName.toArrayBuffer()).toString('base64'),
    issuerDerBase64: Buffer.from(peculiar.issuerName.toArrayBuffer()).toString('base64'),
    serialBase64: Buffer.from(peculiar.serialNumber, 'hex').toString('base64'),
    subject: node.subject.replace(/\n/g, ', '),
  };
}

export async function readCertificates(pemFiles: readonly string[]): Promise<CertificateFacts[]> {
  const facts: CertificateFacts[] = [];
  for (const file of pemFiles) {
    for (const pem of splitPemBundle(await readFile(file, 'utf8'))) facts.push(describeCertificate(pem));
  }
  return facts;
}
