/**
 * Certificates for the client-shim tests, made with the openssl CLI so these tests do not wait on
 * lab/ca: a "public" root with a leaf for www.example.test, and a rogue root with a leaf for the
 * same name (what an interceptor would forge).
 */
import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SITE = 'www.example.test';

export interface TestRoot {
  certPath: string;
  keyPath: string;
  spkiSha256: string;
}

export interface TestLeaf {
  certPem: string;
  keyPem: string;
  spkiSha256: string;
}

export interface TestPki {
  publicRoot: TestRoot;
  rogueRoot: TestRoot;
  publicLeaf: TestLeaf;
  rogueLeaf: TestLeaf;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function spkiOf(pem: string): string {
  const spki = new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

function makeRoot(dir: string, label: string, subject: string): TestRoot {
  const keyPath = join(dir, `${label}.key`);
  const certPath = join(dir, `${label}.crt`);
  openssl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', keyPath]);
  openssl(dir, ['req', '-x509', '-new', '-key', keyPath, '-out', certPath, '-days', '3650', '-subj', subject,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  return { certPath, keyPath, spkiSha256: spkiOf(readFileSync(certPath, 'utf8')) };
}

function makeLeaf(dir: string, root: TestRoot, label: string, name: string): TestLeaf {
  const keyPath = join(dir, `${label}.key`);
  const csrPath = join(dir, `${label}.csr`);
  const certPath = join(dir, `${label}.crt`);
  const extPath = join(dir, `${label}.ext`);
  writeFileSync(extPath, [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=serverAuth',
    `subjectAltName=DNS:${name}`,
  ].join('\n'));
  openssl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', keyPath]);
  openssl(dir, ['req', '-new', '-key', keyPath, '-out', csrPath, '-subj', `/CN=${name}`]);
  openssl(dir, ['x509', '-req', '-in', csrPath, '-CA', root.certPath, '-CAkey', root.keyPath, '-CAcreateserial',
    '-out', certPath, '-days', '200', '-extfile', extPath]);
  const certPem = readFileSync(certPath, 'utf8');
  return { certPem, keyPem: readFileSync(keyPath, 'utf8'), spkiSha256: spkiOf(certPem) };
}

export function makeTestPki(dir: string): TestPki {
  const publicRoot = makeRoot(dir, 'public-root', '/C=US/O=Lab Public PKI/CN=Lab Public Root');
  const rogueRoot = makeRoot(dir, 'rogue-root', '/C=KZ/O=Rogue National CA/CN=Rogue Security Certificate');
  return {
    publicRoot,
    rogueRoot,
    publicLeaf: makeLeaf(dir, publicRoot, 'public-leaf', SITE),
    rogueLeaf: makeLeaf(dir, rogueRoot, 'rogue-leaf', SITE),
  };
}
