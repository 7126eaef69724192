/**
 * An instrumented HTTPS origin: answers a small page naming its site and remembers what each
 * visitor sent (ClientHello JA3/JA4, User-Agent). Comparing this with what the client itself sent
 * is how a detector tells that something in the middle re-originated the connection.
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { trackClientHellos } from 'read-tls-client-hello';
import { toOriginClientHello } from '../detectors/clienthello/origin-hello.ts';
import type { OriginContact, OriginSpec, OriginVisit } from './types.ts';

export interface Origin {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly visits: OriginVisit[];
  /** every TLS connection that reached this origin, handshake finished or failed */
  readonly contacts: OriginContact[];
  close(): Promise<void>;
}

function endpoint(socket: { remoteAddress?: string | undefined; remotePort?: number | undefined }): string {
  const host = (socket.remoteAddress ?? '').replace(/^::ffff:/i, '');
  return `${host.includes(':') ? `[${host}]` : host}:${socket.remotePort ?? 0}`;
}

function page(name: string): string {
  return `<!doctype html><html><head><title>${name}</title></head><body><h1>${name}</h1><p>lab origin</p></body></html>\n`;
}

export async function startOrigin(spec: OriginSpec, host: string, port: number): Promise<Origin> {
  const visits: OriginVisit[] = [];
  const contacts: OriginContact[] = [];
  const server: Server = createServer({ cert: spec.chainPem, key: spec.keyPem, ALPNProtocols: ['http/1.1'] }, (req, res) => {
    const socket = req.socket as TLSSocket;
    const hello = socket.tlsClientHello;
    visits.push({
      time: Date.now(),
      sni: (socket as TLSSocket & { servername?: string | false }).servername || undefined,
      ja3: hello?.ja3,
      ja4: hello?.ja4,
      tlsVersion: socket.getProtocol() ?? undefined,
      alpn: socket.alpnProtocol || undefined,
      userAgent: req.headers['user-agent'],
      ...(hello && { clientHello: toOriginClientHello(hello) }),
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      peer: socket.remoteAddress ?? '',
    });
    const body = page(spec.name);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(body), connection: 'close' });
    res.end(body);
  });
  trackClientHellos(server);
  server.on('secureConnection', (socket: TLSSocket) => {
    const sni = (socket as TLSSocket & { servername?: string | false }).servername || undefined;
    contacts.push({ time: Date.now(), peer: endpoint(socket), ...(sni && { sni }) });
  });
  // handshakes that fail (a client refusing the origin's bad certificate) are expected: recorded, not errors
  server.on('tlsClientError', (err: NodeJS.ErrnoException, socket: TLSSocket) => {
    const sni = (socket as TLSSocket & { servername?: string | false }).servername || undefined;
    contacts.push({ time: Date.now(), peer: endpoint(socket), ...(sni && { sni }), error: err.code ?? err.message });
  });
  server.keepAliveTimeout = 1000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    name: spec.name,
    host,
    port: address.port,
    visits,
    contacts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
