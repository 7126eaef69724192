/** Shared by the lab/ca tests: fixtures, openssl as an independent parser, temp dirs. */
import { execFileSync } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AsnConvert } from '@peculiar/asn1-schema';
import * as asn1 from '@peculiar/asn1-x509';
import { parseCertificate } from '../../lab/ca/pem.ts';

export const FIXTURES = new URL('../fixtures/real-roots/', import.meta.url).pathname;

export function fixturePem(name: 'qaznet-2019' | 'isca-2020'): string {
  return readFileSync(join(FIXTURES, `${name}.pem`), 'utf8');
}

export function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'tlslab-ca-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** `openssl x509 -noout -text` of a PEM certificate. */
export function opensslText(pem: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tlslab-ossl-'));
  try {
    writeFileSync(join(dir, 'c.pem'), pem);
    return execFileSync('openssl', ['x509', '-noout', '-text', '-in', join(dir, 'c.pem')], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `openssl verify` of a leaf against a root with untrusted intermediates; returns stdout+stderr and status. */
export function opensslVerify(rootPem: string, intermediatesPem: string, leafPem: string, extra: string[] = []): { ok: boolean; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tlslab-ossl-'));
  try {
    writeFileSync(join(dir, 'root.pem'), rootPem);
    writeFileSync(join(dir, 'leaf.pem'), leafPem);
    const args = ['verify', '-CAfile', join(dir, 'root.pem'), ...extra];
    if (intermediatesPem) {
      writeFileSync(join(dir, 'int.pem'), intermediatesPem);
      args.push('-untrusted', join(dir, 'int.pem'));
    }
    args.push(join(dir, 'leaf.pem'));
    try {
      return { ok: true, output: execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) };
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string };
      return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The ASN.1 certificate, for byte-level comparisons @peculiar/x509's view would normalise away. */
export function asnCertificate(pem: string): asn1.Certificate {
  return AsnConvert.parse(parseCertificate(pem).rawData, asn1.Certificate);
}

export function der(value: unknown): Buffer {
  return Buffer.from(AsnConvert.serialize(value));
}

/** Key type, size and RSA exponent as node:crypto reads them from the SPKI bytes. */
export function keyDetails(spkiDer: ArrayBuffer | Uint8Array): { type: string | undefined; bits?: number; exponent?: bigint; curve?: string } {
  const key = createPublicKey({ key: Buffer.from(spkiDer as ArrayBuffer), format: 'der', type: 'spki' });
  const d = key.asymmetricKeyDetails ?? {};
  const out: { type: string | undefined; bits?: number; exponent?: bigint; curve?: string } = { type: key.asymmetricKeyType };
  if (d.modulusLength !== undefined) out.bits = d.modulusLength;
  if (d.publicExponent !== undefined) out.exponent = d.publicExponent;
  if (d.namedCurve !== undefined) out.curve = d.namedCurve;
  return out;
}
