import { request, Agent } from 'node:http';
import type { ForgedLeaf, ForgeRequest, Forger } from '../../../ca/types.ts';
import { FORGE_PATH, type ForgeWireReply, type ForgeWireRequest } from '../forge-wire.ts';

/** A Forger that asks the lab over the mounted socket (see forge-channel.ts). */
export function remoteForger(socketPath: string, profile: string, timeoutMs = 15_000): Forger {
  const agent = new Agent({ keepAlive: true });
  return {
    profile,
    forge(requested: ForgeRequest): Promise<ForgedLeaf> {
      const wire: ForgeWireRequest = {
        sni: requested.sni,
        ...(requested.upstreamDer ? { upstreamDer: requested.upstreamDer.toString('base64') } : {}),
      };
      const body = JSON.stringify(wire);
      return new Promise((resolve, reject) => {
        const req = request(
          { socketPath, agent, method: 'POST', path: FORGE_PATH, timeout: timeoutMs, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              if (res.statusCode !== 200) return reject(new Error(`lab forger: HTTP ${res.statusCode} ${text}`));
              const reply = JSON.parse(text) as ForgeWireReply;
              resolve({ ...reply });
            });
            res.on('error', reject);
          },
        );
        req.on('timeout', () => req.destroy(new Error(`lab forger: no answer in ${timeoutMs} ms`)));
        req.on('error', reject);
        req.end(body);
      });
    },
  };
}
