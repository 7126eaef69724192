/** A throwaway NSS sql database, written with Debian's certutil (libnss3-tools). */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { CertificateFacts } from './pem.ts';

const execFileAsync = promisify(execFile);

/**
 * certutil asks for the db password on stdin when it thinks it needs one, and on end-of-input
 * repeats the prompt forever; a password file (empty password) means it never asks, and the
 * timeout turns any other hang into an error that names the command.
 */
async function certutil(dir: string, args: string[]): Promise<void> {
  const passwordFile = join(dir, '.nss-password');
  await writeFile(passwordFile, '\n');
  try {
    await execFileAsync('certutil', [...args, '-d', `sql:${dir}`, '-f', passwordFile], { timeout: 20_000, maxBuffer: 256 * 1024 });
  } catch (error) {
    const message = error instanceof Error ? error.message.slice(0, 300) : String(error);
    throw new Error(`certutil ${args.slice(0, 3).join(' ')} in ${dir} failed: ${message}`);
  }
}

/** NSS trust strings: SSL,S/MIME,code-signing. "C" = trusted CA; "p" = explicitly distrusted. */
export const TRUSTED_CA = 'C,,';
export const DISTRUSTED = 'p,p,p';

export async function createNssDb(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await certutil(dir, ['-N', '--empty-password']);
}

export async function addCertificate(dir: string, nickname: string, cert: CertificateFacts, trust: string): Promise<void> {
  const file = join(dir, `${nickname}.pem`);
  await writeFile(file, cert.pem);
  await certutil(dir, ['-A', '-n', nickname, '-t', trust, '-i', file]);
}

/**
 * Anchors get "C,,"; anything also listed as distrusted gets "p,p,p" instead (a cert has one trust
 * record per db, and the scenario's distrust is the later, stronger statement).
 */
export async function installTrust(dir: string, anchors: CertificateFacts[], distrusted: CertificateFacts[]): Promise<void> {
  const distrustedDer = new Set(distrusted.map((cert) => cert.der.toString('base64')));
  let index = 0;
  for (const cert of anchors) {
    if (distrustedDer.has(cert.der.toString('base64'))) continue;
    await addCertificate(dir, `lab-anchor-${index++}`, cert, TRUSTED_CA);
  }
  for (const cert of distrusted) await addCertificate(dir, `lab-distrusted-${index++}`, cert, DISTRUSTED);
}
