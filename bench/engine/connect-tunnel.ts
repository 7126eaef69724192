/**
 * Client side of a CONNECT: resolves with the raw socket once the proxy's whole response head has
 * arrived. Waiting for the blank line matters: some proxies (http-mitm-proxy) write the status
 * line and the blank line separately, and TLS started on the first chunk reads "\r\n" as a record.
 */
import * as net from 'node:net';

export interface TunnelTarget {
  proxyPort: number;
  /** name:port as the CONNECT line carries it */
  authority: string;
}

export function openTunnel({ proxyPort, authority }: TunnelTarget): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const raw = net.connect(proxyPort, '127.0.0.1', () => raw.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`));
    let head = Buffer.alloc(0);
    const fail = (error: Error) => {
      raw.destroy();
      reject(error);
    };
    const onClose = () => fail(new Error('proxy closed the CONNECT'));
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      raw.off('data', onData);
      raw.off('close', onClose);
      raw.off('error', fail);
      const status = head.subarray(0, head.indexOf('\r\n')).toString('latin1');
      if (!/^HTTP\/1\.[01] 200/.test(status)) return fail(new Error(`CONNECT refused: ${status}`));
      resolve(raw);
    };
    raw.on('data', onData);
    raw.once('error', fail);
    raw.once('close', onClose);
  });
}
