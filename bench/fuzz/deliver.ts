/**
 * Sends one fuzz input to a door the way a client would: a real socket, each chunk its own write,
 * then (maybe) a half-close, and waits for the engine to close the connection, within a bound.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { TARGET_NAME, type FuzzInput } from './inputs.ts';

export type Delivery = 'closed' | 'held-open';

export interface Doors {
  sniPort: number;
  connectPort: number;
}

const CONNECT_REQUEST = Buffer.from(`CONNECT ${TARGET_NAME}:443 HTTP/1.1\r\nHost: ${TARGET_NAME}:443\r\n\r\n`);

/** `closeWithinMs`: longer than any timeout the target has; a connection still open after it is a finding. */
export function deliver(input: FuzzInput, doors: Doors, closeWithinMs: number): Promise<Delivery> {
  return new Promise((resolve) => {
    const raw = net.connect(input.door === 'sni' ? doors.sniPort : doors.connectPort, '127.0.0.1');
    let stream: net.Socket = raw;
    let settled = false;
    const finish = (how: Delivery) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stream.destroy();
      raw.destroy();
      resolve(how);
    };
    const timer = setTimeout(() => finish('held-open'), closeWithinMs);
    raw.on('error', () => {});
    raw.once('close', () => finish('closed'));

    const send = async (to: net.Socket, chunks: Buffer[]) => {
      for (const chunk of chunks) {
        if (to.destroyed || !to.writable) return;
        await new Promise<void>((done) => to.write(chunk, () => done()));
      }
      if (input.end && to.writable) to.end();
    };
    const afterConnectAnswer = (then: () => void) => {
      let answer = '';
      const onData = (d: Buffer) => {
        answer += d.toString('latin1');
        if (!answer.includes('\r\n\r\n')) return;
        raw.off('data', onData);
        if (answer.startsWith('HTTP/1.1 200')) then();
      };
      raw.on('data', onData);
    };
    const inTunnel = () => {
      const secure = tls.connect({ socket: raw, servername: TARGET_NAME, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
      stream = secure;
      secure.on('error', () => {});
      secure.resume();
      secure.once('secureConnect', () => void send(secure, input.chunks));
    };

    raw.once('connect', () => {
      if (input.tunnel) {
        if (input.door === 'connect') {
          raw.write(CONNECT_REQUEST);
          afterConnectAnswer(inTunnel);
        } else inTunnel();
        return;
      }
      // the engine's answers are read and dropped: a client that never reads is another test
      raw.on('data', () => {});
      if (input.connect === 'together') void send(raw, [Buffer.concat([CONNECT_REQUEST, input.chunks[0] ?? Buffer.alloc(0)]), ...input.chunks.slice(1)]);
      else if (input.connect === 'await-200') {
        raw.write(CONNECT_REQUEST);
        afterConnectAnswer(() => void send(raw, input.chunks));
      } else void send(raw, input.chunks);
    });
  });
}
