/** Raw ClientHello bytes for fault tests: a real one captured from Node, and hand-built odd ones. */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { frameClientHello } from '../../lab/proxy/client-hello.ts';

/** What node:tls sends for `servername`, captured on a loopback tap. */
export function captureNodeHello(servername: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((socket) => {
      let data = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        data = Buffer.concat([data, chunk]);
        const framing = frameClientHello(data);
        if (framing.state === 'complete') {
          socket.destroy();
          client.destroy();
          server.close();
          resolve(data.subarray(0, framing.length));
        }
      });
      socket.on('error', () => {});
    });
    let client: tls.TLSSocket;
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      client = tls.connect({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port, servername, rejectUnauthorized: false });
      client.on('error', () => {});
    });
  });
}

/** A minimal TLS 1.2 ClientHello carrying `sni` (any length), split into records of at most 16 KiB. */
export function buildClientHello(sni: string | undefined): Buffer {
  const extensions: Buffer[] = [];
  if (sni !== undefined) {
    const name = Buffer.from(sni, 'latin1');
    const entry = Buffer.concat([Buffer.from([0]), u16(name.length), name]);
    const list = Buffer.concat([u16(entry.length), entry]);
    extensions.push(Buffer.concat([u16(0), u16(list.length), list]));
  }
  const extBlock = Buffer.concat(extensions);
  const body = Buffer.concat([
    Buffer.from([3, 3]),
    Buffer.alloc(32, 7),
    Buffer.from([0]),
    u16(4),
    Buffer.from([0xc0, 0x2f, 0x00, 0x9c]),
    Buffer.from([1, 0]),
    u16(extBlock.length),
    extBlock,
  ]);
  const handshake = Buffer.concat([Buffer.from([1, (body.length >> 16) & 0xff, (body.length >> 8) & 0xff, body.length & 0xff]), body]);
  const records: Buffer[] = [];
  for (let offset = 0; offset < handshake.length; offset += 16_384) {
    const fragment = handshake.subarray(offset, offset + 16_384);
    records.push(Buffer.from([22, 3, 1]), u16(fragment.length), fragment);
  }
  return Buffer.concat(records);
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

/** An SSLv2-compatible CLIENT-HELLO header (what very old clients and some scanners send). */
export const SSLV2_HELLO = Buffer.from('802e0100020015000000100100800300800700c0060040020080040080000039000038000035', 'hex');
