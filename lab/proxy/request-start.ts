/**
 * What a terminated client speaks first: an HTTP/1.x request line goes to the HTTP layer, anything
 * else is relayed. A request line may arrive in pieces (a slow client, or a slowloris dribbling it
 * byte by byte), so a prefix that could still become one means "wait", bounded by the head timeout.
 */
import type { Duplex } from 'node:stream';

/** longer than any request line Node's parser accepts (its whole head limit is 16 KiB) */
export const MAX_REQUEST_LINE = 16 * 1024;

const REQUEST_LINE = /^[A-Z]{3,20} \S+ HTTP\/1\.[01]$/;
const METHOD_PREFIX = /^[A-Z]{1,20}$/;
const LINE_PREFIX = /^[A-Z]{3,20} (\S*)(?: (\S*))?$/;
const VERSIONS = ['HTTP/1.1', 'HTTP/1.0'];

export type RequestStart = 'http' | 'not-http' | 'need-more';

/** what a client whose request head ran out of time is told before the connection closes */
export const REQUEST_TIMEOUT_RESPONSE = 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';

export function classifyRequestStart(bytes: Buffer): RequestStart {
  const newline = bytes.indexOf(0x0a);
  if (newline >= 0) {
    const line = bytes.toString('latin1', 0, newline).replace(/\r$/, '');
    return REQUEST_LINE.test(line) ? 'http' : 'not-http';
  }
  const text = bytes.toString('latin1', 0, Math.min(bytes.length, MAX_REQUEST_LINE)).replace(/\r$/, '');
  const possible = text.length === 0 || METHOD_PREFIX.test(text) || couldBecomeRequestLine(text);
  if (!possible) return 'not-http';
  // a request line this long is one: the HTTP layer answers it (414/431) rather than relaying it
  return bytes.length >= MAX_REQUEST_LINE ? 'http' : 'need-more';
}

function couldBecomeRequestLine(text: string): boolean {
  const m = LINE_PREFIX.exec(text);
  if (!m) return false;
  const version = m[2];
  return version === undefined || VERSIONS.some((v) => v.startsWith(version));
}

export interface Collected {
  /** `initial` and everything read after it */
  bytes: Buffer;
  /** enough: `enough(bytes)` said so; ended: the peer closed or ended; timeout: `waitMs` ran out */
  how: 'enough' | 'ended' | 'timeout';
}

/** Reads (consuming) after `initial` until `enough(everything so far)`, the end of the stream, or `waitMs`. */
export function collect(socket: Duplex, initial: Buffer, enough: (bytes: Buffer) => boolean, waitMs: number): Promise<Collected> {
  return new Promise((resolve) => {
    let bytes: Buffer = initial;
    let settled = false;
    const finish = (how: Collected['how']) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.off('readable', onReadable);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      resolve({ bytes, how });
    };
    const onReadable = () => {
      let chunk: Buffer | null;
      while (!settled && (chunk = socket.read() as Buffer | null) !== null) {
        bytes = bytes.length === 0 ? chunk : Buffer.concat([bytes, chunk]);
        if (enough(bytes)) finish('enough');
      }
    };
    const onEnd = () => finish('ended');
    const timer = setTimeout(() => finish('timeout'), Math.max(0, waitMs));
    socket.on('readable', onReadable);
    socket.on('end', onEnd);
    socket.on('close', onEnd);
    onReadable();
  });
}
