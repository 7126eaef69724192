/**
 * A loopback HTTPS origin that remembers, per request, the ClientHello it received and the
 * User-Agent that came with it: the origin-side view MITMEngine-style detection needs. Used to
 * measure the reference table and by the tests; the harness may use it as the origin's tap.
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { trackClientHellos } from 'read-tls-client-hello';
import type { OriginClientHello } from '../evidence.ts';
import { toOriginClientHello } from './origin-hello.ts';

export interface RecordedRequest {
  clientHello: OriginClientHello;
  userAgent?: string;
  sni?: string;
}

export interface ClientHelloRecorder {
  port: number;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startClientHelloRecorder(tlsMaterial: { certPem: string; keyPem: string }): Promise<ClientHelloRecorder> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer({ cert: tlsMaterial.certPem, key: tlsMaterial.keyPem }, (request, response) => {
    const socket = request.socket as import('node:tls').TLSSocket;
    const hello = socket.tlsClientHello;
    if (hello) {
      const entry: RecordedRequest = { clientHello: toOriginClientHello(hello) };
      const userAgent = request.headers['user-agent'];
      if (userAgent) entry.userAgent = userAgent;
      if (typeof socket.servername === 'string') entry.sni = socket.servername;
      requests.push(entry);
    }
    response.writeHead(200, { 'content-type': 'text/plain', connection: 'close' });
    response.end('ok\n');
  });
  trackClientHellos(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
