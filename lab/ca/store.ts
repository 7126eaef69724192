/**
 * An authority on disk. Layout (the CLI contract): ca.pem (root), ca.key, chain.pem (intermediates,
 * issuing CA first) when there are any, issuing.key for the CA that signs leaves, and
 * intermediate-N.key for any further ones; authority.json records the preset. Keys are 0600.
 * A mitmproxy confdir (mitmproxy-ca.pem: its key, then its self-signed certificate) loads too, so
 * a CA users already trust for mitmproxy can play the rogue root.
 */
import { createPublicKey } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseCertificates, pemBlocks, derToPem } from './pem.ts';
import { loadLabKeyPair } from './keys.ts';
import { spkiSha256 } from './spki.ts';
import type { AuthorityMaterial, KeyedCertificate } from './types.ts';
import { UserError } from '../errors.ts';

export const AUTHORITY_FILES = {
  root: 'ca.pem',
  rootKey: 'ca.key',
  chain: 'chain.pem',
  issuingKey: 'issuing.key',
  metadata: 'authority.json',
} as const;

/** mitmproxy's own CA file in its confdir: the private key and the certificate in one PEM file. */
export const MITMPROXY_CA_FILE = 'mitmproxy-ca.pem';

/** Whether `dir` holds an authority loadAuthority can read (either layout). */
export function isAuthorityDir(dir: string): boolean {
  return existsSync(join(dir, AUTHORITY_FILES.root)) || existsSync(join(dir, MITMPROXY_CA_FILE));
}

function intermediateKeyFile(index: number): string {
  return index === 0 ? AUTHORITY_FILES.issuingKey : `intermediate-${index}.key`;
}

/** Removes the files an authority is made of (and nothing else) from `dir`. */
export async function removeAuthorityFiles(dir: string): Promise<void> {
  const ours = new Set<string>(Object.values(AUTHORITY_FILES));
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(names.filter((n) => ours.has(n) || /^intermediate-\d+\.key$/.test(n)).map((n) => rm(join(dir, n), { force: true })));
}

export async function writePrivate(path: string, content: string | Uint8Array): Promise<void> {
  await writeFile(path, content, { mode: 0o600 });
  // an existing file keeps its old mode through writeFile
  await chmod(path, 0o600);
}

export async function saveAuthority(a: AuthorityMaterial, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, AUTHORITY_FILES.root), a.root.certPem);
  await writePrivate(join(dir, AUTHORITY_FILES.rootKey), a.root.keyPem);
  if (a.intermediates.length > 0) {
    await writeFile(join(dir, AUTHORITY_FILES.chain), a.intermediates.map((i) => i.certPem).join(''));
    for (const [index, intermediate] of a.intermediates.entries()) {
      await writePrivate(join(dir, intermediateKeyFile(index)), intermediate.keyPem);
    }
  }
  const metadata = { preset: a.preset, rootSpkiSha256: spkiSha256(a.root.certPem), intermediates: a.intermediates.length };
  await writeFile(join(dir, AUTHORITY_FILES.metadata), JSON.stringify(metadata, null, 2) + '\n');
}

export async function loadAuthority(dir: string): Promise<AuthorityMaterial> {
  const rootPath = join(dir, AUTHORITY_FILES.root);
  if (!existsSync(rootPath)) {
    if (existsSync(join(dir, MITMPROXY_CA_FILE))) return loadMitmproxyAuthority(join(dir, MITMPROXY_CA_FILE));
    throw new UserError(`${rootPath}: cannot read (no such file; tlslab ca create makes one, and no ${MITMPROXY_CA_FILE} of a mitmproxy confdir is beside it)`);
  }
  const rootPem = await readText(rootPath);
  parseCertificates(rootPem, rootPath);
  const root: KeyedCertificate = { certPem: rootPem, keyPem: await readKey(join(dir, AUTHORITY_FILES.rootKey)) };

  const intermediates: KeyedCertificate[] = [];
  const chainPath = join(dir, AUTHORITY_FILES.chain);
  const chainPem = await readText(chainPath, { optional: true });
  if (chainPem !== undefined) {
    const certs = parseCertificates(chainPem, chainPath);
    for (const [index, cert] of certs.entries()) {
      intermediates.push({
        certPem: derToPem(new Uint8Array(cert.rawData)),
        keyPem: await readKey(join(dir, intermediateKeyFile(index))),
      });
    }
  }
  const metadataText = await readText(join(dir, AUTHORITY_FILES.metadata), { optional: true });
  let preset = 'unknown';
  if (metadataText !== undefined) {
    try {
      preset = String((JSON.parse(metadataText) as { preset?: unknown }).preset ?? 'unknown');
    } catch {
      throw new UserError(`${join(dir, AUTHORITY_FILES.metadata)}: not valid JSON`);
    }
  }
  return { preset, root, intermediates };
}

/** mitmproxy-ca.pem: one private key and one self-signed CA certificate, which signs leaves itself. */
async function loadMitmproxyAuthority(path: string): Promise<AuthorityMaterial> {
  const text = await readText(path);
  const keys = pemBlocks(text).filter((b) => /PRIVATE KEY$/.test(b.label));
  const certs = parseCertificates(text, path);
  if (keys.length !== 1) throw new UserError(`${path}: expected one private key, found ${keys.length}`);
  if (certs.length !== 1) {
    throw new UserError(`${path}: expected one CA certificate (mitmproxy's own), found ${certs.length}; put a CA with intermediates in a tlslab ca directory`);
  }
  const keyPem = derToPem(keys[0]!.der, keys[0]!.label);
  loadLabKeyPair(keyPem, path);
  const certSpki = Buffer.from(certs[0]!.publicKey.rawData);
  const keySpki = createPublicKey(keyPem).export({ type: 'spki', format: 'der' });
  if (!certSpki.equals(keySpki)) throw new UserError(`${path}: the private key does not belong to the certificate`);
  return { preset: 'mitmproxy', root: { certPem: derToPem(new Uint8Array(certs[0]!.rawData)), keyPem }, intermediates: [] };
}

async function readText(path: string): Promise<string>;
async function readText(path: string, opts: { optional: true }): Promise<string | undefined>;
async function readText(path: string, opts: { optional?: boolean } = {}): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && opts.optional) return undefined;
    throw new UserError(`${path}: cannot read (${code === 'ENOENT' ? 'no such file' : (err as Error).message})`);
  }
}

async function readKey(path: string): Promise<string> {
  const pem = await readText(path);
  if (pemBlocks(pem).length === 0) throw new UserError(`${path}: no PEM private key in it`);
  loadLabKeyPair(pem, path);
  return pem;
}
