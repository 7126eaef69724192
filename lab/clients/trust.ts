/** Trust material written inside a session's workDir, never anywhere shared. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { certificatesFromPem } from './chain.ts';
import type { TrustState } from './types.ts';

/** Concatenates the anchors into one PEM bundle; refuses files that hold no certificate. */
export function writeAnchorBundle(state: TrustState, workDir: string, fileName = 'anchors.pem'): string {
  mkdirSync(workDir, { recursive: true });
  const pems = state.anchors.map((path) => {
    const text = readFileSync(path, 'utf8');
    const found = certificatesFromPem(text);
    if (found.length === 0) throw new Error(`trust anchor ${path} holds no PEM certificate`);
    return found.map((certificate) => certificate.toString().trim()).join('\n');
  });
  const bundlePath = join(workDir, fileName);
  writeFileSync(bundlePath, pems.length > 0 ? `${pems.join('\n')}\n` : '');
  return bundlePath;
}

/**
 * An empty CA directory: clients built with a default CApath (Debian's curl, s_client, wget on
 * GnuTLS) would otherwise add the system store to the bundle we gave them.
 */
export function emptyCaDirectory(workDir: string): string {
  const path = join(workDir, 'empty-ca-dir');
  mkdirSync(path, { recursive: true });
  return path;
}
