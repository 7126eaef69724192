/** SSLKEYLOGFILE-format key log shared by both legs (Wireshark decrypts the capture with it). */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { TLSSocket } from 'node:tls';

export interface KeyLog {
  attach(socket: TLSSocket): void;
  close(): Promise<void>;
}

const noKeyLog: KeyLog = { attach() {}, close: async () => {} };

/**
 * Lines are written synchronously: a capture read right after a request must find its keys, and a
 * buffered stream left them in memory under load (CI saw an undecryptable capture). A few tiny
 * writes per handshake cost microseconds.
 */
export function openKeyLog(path: string | undefined): KeyLog {
  if (!path) return noKeyLog;
  let fd: number | undefined = openSync(path, 'a', 0o600);
  const write = (line: Buffer) => {
    if (fd === undefined) return;
    try {
      writeSync(fd, line);
    } catch {
      // a key log that cannot be written must not stop interception; the file simply stays short
    }
  };
  return {
    attach(socket) {
      socket.on('keylog', write);
    },
    close: async () => {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}
