/**
 * A private HTTPS origin that tells when a blocklist has reached a browser's verifier: its root is
 * trusted in the throwaway profile and listed as blocked, so it loads until the list is live.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ClientLauncher } from '../types.ts';
import { startLabHelper } from './lab-helper.ts';
import { describeCertificate, type CertificateFacts } from './pem.ts';

const run = promisify(execFile);

export const CANARY_SITE = 'blocklist-canary.lab.invalid';
export const CANARY_LEAF = { cert: 'leaf.crt', key: 'leaf.key' } as const;

export interface CanaryOrigin {
  site: string;
  port: number;
  root: CertificateFacts;
  close(): Promise<void>;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  await run('openssl', args, { cwd });
}

async function makeCanaryPki(dir: string): Promise<{ root: CertificateFacts; leafPem: string; leafKeyPem: string }> {
  await mkdir(dir, { recursive: true });
  await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'root.key'], dir);
  await openssl(['req', '-x509', '-new', '-key', 'root.key', '-out', 'root.crt', '-days', '30',
    '-subj', '/O=tls-interception-lab/CN=Blocklist Canary Root',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign'], dir);
  await writeFile(join(dir, 'leaf.ext'), `basicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:${CANARY_SITE}\n`);
  await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', CANARY_LEAF.key], dir);
  await openssl(['req', '-new', '-key', CANARY_LEAF.key, '-out', 'leaf.csr', '-subj', `/CN=${CANARY_SITE}`], dir);
  await openssl(['x509', '-req', '-in', 'leaf.csr', '-CA', 'root.crt', '-CAkey', 'root.key', '-CAcreateserial',
    '-out', CANARY_LEAF.cert, '-days', '30', '-extfile', 'leaf.ext'], dir);
  return {
    root: describeCertificate(await readFile(join(dir, 'root.crt'), 'utf8')),
    leafPem: await readFile(join(dir, CANARY_LEAF.cert), 'utf8'),
    leafKeyPem: await readFile(join(dir, CANARY_LEAF.key), 'utf8'),
  };
}

/** the canary's HTTPS server on 127.0.0.1, wherever it runs (the harness, or a lab helper) */
export async function serveCanary(leafPem: string, leafKeyPem: string): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer({ cert: leafPem, key: leafKeyPem }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('canary\n');
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * With a launcher the origin runs inside the lab, on the loopback the browser there sees; the
 * harness's own loopback is a different network the browser cannot reach.
 */
export async function startCanaryOrigin(dir: string, launcher?: ClientLauncher): Promise<CanaryOrigin> {
  const { root, leafPem, leafKeyPem } = await makeCanaryPki(dir);
  if (launcher) {
    const helper = await startLabHelper(launcher, new URL('./canary-main.ts', import.meta.url), [dir]);
    return { site: CANARY_SITE, port: Number(helper.endpoint), root, close: () => helper.kill() };
  }
  const served = await serveCanary(leafPem, leafKeyPem);
  return { site: CANARY_SITE, port: served.port, root, close: served.close };
}
