/**
 * Shared pieces of the engine tests: a lab PKI made once per process, HTTPS origins on loopback,
 * and a runner for the real CLI clients (curl, openssl) with their output captured.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import * as https from 'node:https';
import type { RequestListener } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuthority, createForger, issueServerCertificate, type AuthorityMaterial, type LabForger } from '../../lab/ca/index.ts';

export interface LabPki {
  pub: AuthorityMaterial;
  rogue: AuthorityMaterial;
  forger: LabForger;
  dir: string;
  /** files: lab-public root, rogue root */
  publicRootFile: string;
  rogueRootFile: string;
  bothRootsFile: string;
}

let pki: Promise<LabPki> | undefined;

export function labPki(): Promise<LabPki> {
  pki ??= (async () => {
    const [pub, rogue] = await Promise.all([createAuthority('lab-public'), createAuthority('qaznet-2019')]);
    const forger = await createForger(rogue, 'modern');
    await forger.warm();
    const dir = mkdtempSync(join(tmpdir(), 'tlslab-proxy-test-'));
    const publicRootFile = join(dir, 'lab-public.pem');
    const rogueRootFile = join(dir, 'rogue.pem');
    const bothRootsFile = join(dir, 'both.pem');
    writeFileSync(publicRootFile, pub.root.certPem);
    writeFileSync(rogueRootFile, rogue.root.certPem);
    writeFileSync(bothRootsFile, pub.root.certPem + rogue.root.certPem);
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    return { pub, rogue, forger, dir, publicRootFile, rogueRootFile, bothRootsFile };
  })();
  return pki;
}

export interface TestOrigin {
  host: string;
  port: number;
  certPem: string;
  /** requests seen: method, url, host header */
  seen: { method: string; url: string; host?: string; remotePort: number }[];
  /** server-side sockets, to reset them on purpose */
  sockets: Set<Socket>;
  close(): Promise<void>;
}

export async function startOrigin(
  pub: AuthorityMaterial,
  names: string[],
  opts: { validity?: 'valid' | 'expired'; selfSigned?: boolean; keyType?: 'rsa2048' | 'ecdsa-p256'; handler?: RequestListener; certNames?: string[] } = {},
): Promise<TestOrigin> {
  const cert = await issueServerCertificate(pub, {
    names: opts.certNames ?? names,
    validity: opts.validity ?? 'valid',
    selfSigned: opts.selfSigned ?? false,
    keyType: opts.keyType ?? 'ecdsa-p256',
  });
  const seen: TestOrigin['seen'] = [];
  const sockets = new Set<Socket>();
  const server = https.createServer({ cert: cert.chainPem, key: cert.keyPem }, (req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', ...(req.headers.host ? { host: req.headers.host } : {}), remotePort: req.socket.remotePort ?? 0 });
    if (opts.handler) return opts.handler(req, res);
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<html><body>hello from ${names[0]}</body></html>`);
  });
  server.on('secureConnection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    certPem: cert.certPem,
    seen,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], input?: string, timeoutMs = 15_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input ?? '');
  });
}

/** The issuer line curl -v prints for the server certificate. */
export function curlIssuer(stderr: string): string {
  return /issuer: (.*)/.exec(stderr)?.[1]?.trim() ?? '';
}

export function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}
