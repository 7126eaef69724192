/**
 * One client connection's shared facts: its id, when it started, its first error (reported in
 * `closed`), and the sockets that live and die with it, so a timeout can end all of them at once.
 */
import type { Socket } from 'node:net';

export class ConnectionState {
  /** the first failure on this connection, reported in its 'closed' event */
  error?: string;
  private readonly sockets = new Set<Socket>();

  constructor(
    readonly conn: number,
    readonly started: number = Date.now(),
  ) {}

  /** `socket` belongs to this connection until it closes or is released */
  own(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  /** `socket` now serves others too (an upstream connection handed to the pool) */
  release(socket: Socket): void {
    this.sockets.delete(socket);
  }

  /** Ends the connection: records why (unless something failed first) and destroys its sockets. */
  abort(error: string): void {
    this.error ??= error;
    for (const socket of this.sockets) socket.destroy();
  }
}
