import { createServer, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import type { Forger } from '../../ca/types.ts';
import { FORGE_PATH, type ForgeWireReply, type ForgeWireRequest } from './forge-wire.ts';
import { createLabTempDir, removeRegisteredDir } from '../registry/run.ts';

/**
 * The scenario's Forger is an object in the lab's process (any profile, any authority), while the
 * engine runs in the gateway container. The lab serves forging over a unix socket in a directory
 * that is bind-mounted into the gateway, so the rogue CA's key never has to enter an image.
 */
export interface ForgeChannel {
  /** host directory to mount into the gateway */
  dir: string;
  socketName: string;
  requests: number;
  close(): Promise<void>;
}

export const FORGE_SOCKET_NAME = 'forge.sock';
const MAX_BODY = 1 << 20;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) req.destroy(new Error('forge request too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function openForgeChannel(forger: Forger): Promise<ForgeChannel> {
  const dir = createLabTempDir('tlslab-forge-', 'forge channel');
  const channel: ForgeChannel = { dir, socketName: FORGE_SOCKET_NAME, requests: 0, close: async () => {} };
  const server = createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== FORGE_PATH) {
      res.writeHead(404).end();
      return;
    }
    channel.requests++;
    readBody(req)
      .then(async (text) => {
        const wire = JSON.parse(text) as ForgeWireRequest;
        const leaf = await forger.forge({
          sni: wire.sni,
          ...(wire.upstreamDer ? { upstreamDer: Buffer.from(wire.upstreamDer, 'base64') } : {}),
        });
        const reply: ForgeWireReply = { chainPem: leaf.chainPem, keyPem: leaf.keyPem, leafSpkiSha256: leaf.leafSpkiSha256, cached: leaf.cached };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(reply));
      })
      .catch((err: unknown) => {
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: (err as Error).message }));
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(join(dir, FORGE_SOCKET_NAME), () => resolve());
  });
  channel.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => {
        removeRegisteredDir(dir);
        resolve();
      });
    });
  return channel;
}
