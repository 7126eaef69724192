/**
 * Test fixture, not an engine: a TLS endpoint for the gateway that answers every connection with
 * one fixed certificate and reports the socket's local address (the original destination under
 * TPROXY). It lets the nft rules be tested on their own. Usage: stub-terminator.ts CONFIG.json
 * ({ chainPem, keyPem, fd?, port?, keylog? }).
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { createServer } from 'node:https';

const config = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as { chainPem: string; keyPem: string; fd?: number; port?: number; keylog?: string };
const server = createServer({ cert: config.chainPem, key: config.keyPem }, (req, res) => {
  const body = JSON.stringify({ terminatedBy: 'stub', local: `${req.socket.localAddress}:${req.socket.localPort}`, peer: req.socket.remoteAddress });
  res.writeHead(200, { 'content-type': 'application/json', connection: 'close' });
  res.end(body);
});
server.on('tlsClientError', () => undefined);
if (config.keylog) {
  const file = config.keylog;
  server.on('keylog', (line: Buffer) => appendFileSync(file, line));
}
if (config.fd !== undefined) server.listen({ fd: config.fd });
else server.listen(config.port ?? 0, '0.0.0.0');
