/**
 * A real HTTPS origin on 127.0.0.1 that picks its certificate by SNI, and a CONNECT relay that
 * sends every tunnel to that origin (the shape of the lab's interceptor front door, minus forging).
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { createSecureContext, type SecureContext } from 'node:tls';

export interface ServedCertificate {
  /** leaf first, then intermediates */
  chainPem: string;
  keyPem: string;
}

export interface RunningServer {
  port: number;
  close(): Promise<void>;
}

function closeServer(server: HttpServer | HttpsServer, sockets: Set<Socket>): Promise<void> {
  for (const socket of sockets) socket.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}

function trackSockets(server: HttpServer | HttpsServer): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return sockets;
}

/** leafByName: SNI → leaf; unknown names get `fallback` */
export async function startOrigin(leafByName: Map<string, ServedCertificate>, fallback: ServedCertificate): Promise<RunningServer> {
  const contexts = new Map<string, SecureContext>();
  for (const [name, leaf] of leafByName) contexts.set(name, createSecureContext({ cert: leaf.chainPem, key: leaf.keyPem }));
  const server = createHttpsServer({
    cert: fallback.chainPem,
    key: fallback.keyPem,
    SNICallback: (name, done) => done(null, contexts.get(name)),
  }, (req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>${req.headers.host}</title><h1>origin ${req.headers.host}</h1>`);
  });
  const sockets = trackSockets(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, close: () => closeServer(server, sockets) };
}

/** Every CONNECT, whatever host it names, is tunnelled to 127.0.0.1:targetPort. */
export async function startConnectRelay(targetPort: number): Promise<RunningServer & { tunnels: string[] }> {
  const tunnels: string[] = [];
  const server = createHttpServer((_req, res) => { res.writeHead(405); res.end(); });
  server.on('connect', (req, clientSocket: Socket, head: Buffer) => {
    tunnels.push(req.url ?? '');
    const upstream = connect(targetPort, '127.0.0.1', () => {
      clientSocket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(clientSocket);
      clientSocket.pipe(upstream);
    });
    upstream.on('error', () => clientSocket.destroy());
    clientSocket.on('error', () => upstream.destroy());
  });
  const sockets = trackSockets(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, tunnels, close: () => closeServer(server, sockets) };
}
