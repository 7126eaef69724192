/** ClientHellos as node:tls really sends them, captured on a loopback tap: the fuzzer's seeds. */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { frameClientHello } from '../../lab/proxy/client-hello.ts';

const CAPTURE_TIMEOUT_MS = 5_000;

export function captureHello(options: tls.ConnectionOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let client: tls.TLSSocket | undefined;
    const server = net.createServer((socket) => {
      let data = Buffer.alloc(0);
      socket.on('error', () => {});
      socket.on('data', (chunk: Buffer) => {
        data = Buffer.concat([data, chunk]);
        const framing = frameClientHello(data);
        if (framing.state === 'complete') finish(undefined, data.subarray(0, framing.length));
        else if (framing.state === 'invalid') finish(new Error(`captured bytes are no ClientHello: ${framing.reason}`));
      });
    });
    const timer = setTimeout(() => finish(new Error('no ClientHello captured')), CAPTURE_TIMEOUT_MS);
    function finish(err: Error | undefined, hello?: Buffer): void {
      clearTimeout(timer);
      client?.destroy();
      server.close();
      if (err) reject(err);
      else resolve(hello!);
    }
    server.on('error', (err) => finish(err));
    server.listen(0, '127.0.0.1', () => {
      client = tls.connect({ ...options, host: '127.0.0.1', port: (server.address() as net.AddressInfo).port, rejectUnauthorized: false });
      client.on('error', () => {});
    });
  });
}

/** Node's hellos for a target name and a passed-through one: TLS 1.3 with h2 + http/1.1, and TLS 1.2 only. */
export async function realHellos(target: string, other: string): Promise<Buffer[]> {
  return Promise.all([
    captureHello({ servername: target, ALPNProtocols: ['h2', 'http/1.1'] }),
    captureHello({ servername: other, ALPNProtocols: ['http/1.1'] }),
    captureHello({ servername: target, maxVersion: 'TLSv1.2' }),
  ]);
}
