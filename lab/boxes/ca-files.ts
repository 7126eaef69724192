/** The scenario's issuing CA written in the layouts the boxes read, inside the box's own lab dir. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { issuingCa, type BoxPolicy } from './types.ts';

export interface BoxCaFiles {
  /** the issuing CA certificate (signs the box's leaves) */
  certFile: string;
  keyFile: string;
  /** key then certificate in one file: mitmproxy's mitmproxy-ca.pem, squid's tls-cert= */
  keyAndCertFile: string;
  /** the certificates above the issuing CA up to (not including) the root, for boxes that send a chain */
  chainFile: string;
  certPem: string;
  keyPem: string;
  /** the certificates above the issuing CA, below the root */
  chainPem: string[];
  /** the root clients trust */
  rootPem: string;
}

export function writeBoxCa(policy: BoxPolicy, dir: string): BoxCaFiles {
  const ca = issuingCa(policy.authority);
  const files: BoxCaFiles = {
    certFile: join(dir, 'ca.pem'),
    keyFile: join(dir, 'ca.key'),
    keyAndCertFile: join(dir, 'ca-key-and-cert.pem'),
    chainFile: join(dir, 'ca-chain.pem'),
    certPem: ca.certPem,
    keyPem: ca.keyPem,
    chainPem: ca.chainPem,
    rootPem: policy.authority.root.certPem,
  };
  writeFileSync(files.certFile, ca.certPem);
  writeFileSync(files.keyFile, ca.keyPem, { mode: 0o600 });
  writeFileSync(files.keyAndCertFile, ca.keyPem + ca.certPem, { mode: 0o600 });
  writeFileSync(files.chainFile, ca.chainPem.join(''));
  return files;
}

/** A regular expression matching exactly the target names (mitmproxy's allow_hosts). */
export function exactNamesPattern(names: Iterable<string>): string {
  const escaped = [...names].map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return `^(${escaped.join('|')})$`;
}
