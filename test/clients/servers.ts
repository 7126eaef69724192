/**
 * A real HTTPS origin on 127.0.0.1 and an explicit CONNECT proxy, so every shim talks to a live
 * TLS stack over the routes the harness will hand it.
 */
import { once } from 'node:events';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createConnection, createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { TestLeaf } from './pki.ts';

export interface RunningServer {
  port: number;
  close(): Promise<void>;
}

function portOf(server: HttpsServer | NetServer): number {
  return (server.address() as AddressInfo).port;
}

async function closeTracked(server: HttpsServer | NetServer, sockets: Set<Socket>): Promise<void> {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** Answers every request with 200 and a body naming the leaf, so a test can tell origins apart. */
export async function startOrigin(leaf: TestLeaf, body: string): Promise<RunningServer> {
  const sockets = new Set<Socket>();
  const server = createHttpsServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' });
    res.end(body);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: portOf(server), close: () => closeTracked(server, sockets) };
}

/** Tunnels every CONNECT, whatever name it asks for, to one upstream port on 127.0.0.1. */
export async function startConnectProxy(upstreamPort: number): Promise<RunningServer & { requests: string[] }> {
  const sockets = new Set<Socket>();
  const requests: string[] = [];
  const server = createNetServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      client.off('data', onData);
      const requestLine = head.subarray(0, head.indexOf('\r\n')).toString('latin1');
      requests.push(requestLine);
      if (!requestLine.startsWith('CONNECT ')) {
        client.end('HTTP/1.1 405 Method Not Allowed\r\n\r\n');
        return;
      }
      const upstream = createConnection({ host: '127.0.0.1', port: upstreamPort }, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        const rest = head.subarray(end + 4);
        if (rest.length > 0) upstream.write(rest);
        client.pipe(upstream).pipe(client);
      });
      sockets.add(upstream);
      upstream.on('close', () => sockets.delete(upstream));
      upstream.on('error', () => client.destroy());
    };
    client.on('data', onData);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: portOf(server), requests, close: () => closeTracked(server, sockets) };
}
