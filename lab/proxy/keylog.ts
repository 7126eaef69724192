/** SSLKEYLOGFILE-format key log shared by both legs (Wireshark decrypts the capture with it). */
import { createWriteStream, type WriteStream } from 'node:fs';
import type { TLSSocket } from 'node:tls';

export interface KeyLog {
  attach(socket: TLSSocket): void;
  close(): Promise<void>;
}

const noKeyLog: KeyLog = { attach() {}, close: async () => {} };

export function openKeyLog(path: string | undefined): KeyLog {
  if (!path) return noKeyLog;
  const out: WriteStream = createWriteStream(path, { flags: 'a', mode: 0o600 });
  // a key log that cannot be written must not stop interception; the file simply stays short
  out.on('error', () => {});
  const write = (line: Buffer) => out.write(line);
  return {
    attach(socket) {
      socket.on('keylog', write);
    },
    close: () => new Promise<void>((resolve) => out.end(resolve)),
  };
}
