/**
 * An authority on disk. Layout (the CLI contract): ca.pem (root), ca.key, chain.pem (intermediates,
 * issuing CA first) when there are any, issuing.key for the CA that signs leaves, and
 * intermediate-N.key for any further ones; authority.json records the preset. Keys are 0600.
 */
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
