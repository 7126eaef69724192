/** The request the engine must still serve after any input: a real HTTPS GET through a door. */
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { Doors } from './deliver.ts';
import { TARGET_NAME } from './inputs.ts';

/** A real HTTPS GET through a door, trusting the rogue root: a 200 whose body holds `expect`. */
export function validRequest(doors: Doors, door: 'sni' | 'connect', roguePem: string, expect = `origin ${TARGET_NAME}`): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => done(false), 10_000);
    let socket: tls.TLSSocket | undefined;
    let raw: net.Socket | undefined;
    function done(ok: boolean): void {
      clearTimeout(timer);
      socket?.destroy();
      raw?.destroy();
      resolve(ok);
    }
    const request = (s: tls.TLSSocket) => {
      let body = '';
      s.on('data', (d: Buffer) => {
        body += d.toString();
        if (body.startsWith('HTTP/1.1 200') && body.includes(expect)) done(true);
      });
      s.write(`GET / HTTP/1.1\r\nHost: ${TARGET_NAME}\r\nConnection: close\r\n\r\n`);
    };
    const options = { servername: TARGET_NAME, ca: [roguePem], ALPNProtocols: ['http/1.1'] };
    if (door === 'sni') {
      socket = tls.connect({ ...options, host: '127.0.0.1', port: doors.sniPort }, () => request(socket!));
      socket.on('error', () => done(false));
      return;
    }
    const tunnel = net.connect(doors.connectPort, '127.0.0.1', () => tunnel.write(`CONNECT ${TARGET_NAME}:443 HTTP/1.1\r\n\r\n`));
    raw = tunnel;
    tunnel.on('error', () => done(false));
    tunnel.once('data', (d: Buffer) => {
      if (!d.toString().startsWith('HTTP/1.1 200')) return done(false);
      socket = tls.connect({ ...options, socket: tunnel }, () => request(socket!));
      socket.on('error', () => done(false));
    });
  });
}
