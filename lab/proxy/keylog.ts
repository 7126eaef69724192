/** SSLKEYLOGFILE-format key log shared by both legs (Wireshark decrypts the capture with it). */
import { closeSync, fchmodSync, openSync, writeSync } from 'node:fs';
import type { TLSSocket } from 'node:tls';

export interface KeyLog {
  /** `conn`: the client connection this TLS socket (either leg) belongs to */
  attach(socket: TLSSocket, conn: number): void;
  close(): Promise<void>;
}

type LineSink = (conn: number, line: Buffer) => void;

/**
 * Lines are written synchronously: a capture read right after a request must find its keys, and a
 * buffered stream left them in memory under load (CI saw an undecryptable capture). A few tiny
 * writes per handshake cost microseconds.
 */
export function openKeyLog(path: string | undefined, sink?: LineSink): KeyLog {
  if (!path && !sink) return { attach() {}, close: async () => {} };
  let fd: number | undefined = path ? openSync(path, 'a', 0o600) : undefined;
  // key material: an existing file (SSLKEYLOGFILE shared with a browser) keeps its mode on open
  if (fd !== undefined) {
    try {
      fchmodSync(fd, 0o600);
    } catch {
      // someone else's file: its owner chose its mode
    }
  }
  const write = (conn: number, line: Buffer) => {
    sink?.(conn, line);
    if (fd === undefined) return;
    try {
      writeSync(fd, line);
    } catch {
      // a key log that cannot be written must not stop interception; the file simply stays short
    }
  };
  return {
    attach(socket, conn) {
      socket.on('keylog', (line: Buffer) => write(conn, line));
    },
    close: async () => {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}
