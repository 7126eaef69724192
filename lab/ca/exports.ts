/**
 * Certificate exports for clients that want something other than PEM: DER, PKCS#12 (node-forge,
 * off the hot path) and the 2019 "phone install" bundle (qca.kz offered qazca.cer/.pem/.der).
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createPrivateKey } from 'node:crypto';
import forge from 'node-forge';
import { parseCertificates, derToPem } from './pem.ts';
import type { KeyedCertificate } from './types.ts';
import { UserError } from '../errors.ts';
import { createLabTempDir, removeRegisteredDir } from '../runtime/registry/run.ts';

const execFileAsync = promisify(execFile);

export function certificateDer(pemOrDer: string | Uint8Array): Buffer {
  return Buffer.from(parseCertificates(pemOrDer)[0]!.rawData);
}

export function certificatePem(pemOrDer: string | Uint8Array): string {
  return parseCertificates(pemOrDer).map((c) => derToPem(new Uint8Array(c.rawData))).join('');
}

export interface Pkcs12Options {
  password: string;
  /** friendly name shown by importers */
  friendlyName?: string;
  /** extra certificates (the chain) */
  chainPem?: string;
}

/**
 * PKCS#12 with AES-256. node-forge handles RSA keys and certificates only; anything with an EC or
 * Ed25519 key in it goes through the openssl CLI instead.
 */
export async function toPkcs12(keyed: KeyedCertificate, options: Pkcs12Options): Promise<Buffer> {
  const chain = options.chainPem ? certificatePem(options.chainPem) : '';
  const certs = createPrivateKey(keyed.keyPem).asymmetricKeyType === 'rsa' ? forgeCertificates([keyed.certPem, ...splitPem(chain)]) : undefined;
  if (certs) {
    const key = forge.pki.privateKeyFromPem(keyed.keyPem);
    const asn1 = forge.pkcs12.toPkcs12Asn1(key, certs, options.password, {
      algorithm: 'aes256',
      ...(options.friendlyName ? { friendlyName: options.friendlyName } : {}),
    });
    return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
  }
  return opensslPkcs12(keyed, chain, options);
}

async function opensslPkcs12(keyed: KeyedCertificate, chain: string, options: Pkcs12Options): Promise<Buffer> {
  // the key is written in the clear for openssl: the run registry removes the dir even after a crash
  const dir = createLabTempDir('tlslab-p12-', 'PKCS#12 staging');
  try {
    await writeFile(join(dir, 'cert.pem'), keyed.certPem + chain);
    await writeFile(join(dir, 'key.pem'), keyed.keyPem, { mode: 0o600 });
    const args = ['pkcs12', '-export', '-in', join(dir, 'cert.pem'), '-inkey', join(dir, 'key.pem'), '-out', join(dir, 'out.p12'), '-passout', 'env:TLSLAB_P12_PASS'];
    if (options.friendlyName) args.push('-name', options.friendlyName);
    try {
      await execFileAsync('openssl', args, { env: { ...process.env, TLSLAB_P12_PASS: options.password } });
    } catch (err) {
      throw new UserError(`PKCS#12 for a non-RSA key needs the openssl CLI: ${(err as Error).message}`);
    }
    return await readFile(join(dir, 'out.p12'));
  } finally {
    removeRegisteredDir(dir);
  }
}

function forgeCertificates(pems: string[]): forge.pki.Certificate[] | undefined {
  try {
    return pems.map((pem) => forge.pki.certificateFromPem(pem));
  } catch {
    return undefined;
  }
}

function splitPem(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n?/g) ?? [];
}

/**
 * What the 2019 install page offered: the same root as .cer (DER, what Android and Windows take
 * by tapping), .pem and .der, plus a minimal page linking them.
 */
export async function writePhoneBundle(rootPem: string, dir: string, baseName = 'qazca'): Promise<string[]> {
  const der = certificateDer(rootPem);
  const pem = derToPem(der);
  await mkdir(dir, { recursive: true });
  const files: Record<string, string | Buffer> = {
    [`${baseName}.cer`]: der,
    [`${baseName}.der`]: der,
    [`${baseName}.pem`]: pem,
    'index.html': installPage(baseName),
  };
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
  return Object.keys(files).map((name) => join(dir, name));
}

function installPage(baseName: string): string {
  const link = (ext: string) => `<li><a href="${baseName}.${ext}" type="application/x-x509-ca-cert">${baseName}.${ext}</a></li>`;
  return `<!doctype html>\n<meta charset="utf-8">\n<title>Security certificate installation (lab replica)</title>\n<h1>Install the security certificate</h1>\n<p>Lab replica of an operator install page. Do not install this certificate outside the lab.</p>\n<ul>${['cer', 'pem', 'der'].map(link).join('')}</ul>\n`;
}
