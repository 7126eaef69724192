/** A throwaway NSS sql database, written with Debian's certutil (libnss3-tools). */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { CertificateFacts } from './pem.ts';

const run = promisify(execFile);

/** NSS trust strings: SSL,S/MIME,code-signing. "C" = trusted CA; "p" = explicitly distrusted. */
export const TRUSTED_CA = 'C,,';
export const DISTRUSTED = 'p,p,p';

export async function createNssDb(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await run('certutil', ['-N', '--empty-password', '-d', `sql:${dir}`]);
}

export async function addCertificate(dir: string, nickname: string, cert: CertificateFacts, trust: string): Promise<void> {
  const file = join(dir, `${nickname}.pem`);
  await writeFile(file, cert.pem);
  await run('certutil', ['-A', '-d', `sql:${dir}`, '-n', nickname, '-t', trust, '-i', file]);
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
