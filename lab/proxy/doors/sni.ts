/**
 * The SNI door (loopback runtime, sslsplit-style): clients dial the engine directly; the
 * destination is the ClientHello's name run through the lab's resolver, on the port dialled.
 */
import type { Socket } from 'node:net';
import type { Destination } from '../types.ts';
import type { Locate } from '../tls-front.ts';

export function sniLocator(socket: Socket, resolve: ((name: string, port: number) => Destination | undefined) | undefined): Locate {
  const port = socket.localPort ?? 443;
  return async (sni) => {
    if (sni === undefined) return 'no-sni';
    const destination = resolve?.(sni, port);
    return destination ?? 'unresolved-name';
  };
}
