/**
 * The explicit-proxy door: an HTTP CONNECT request names the destination, the engine answers 200
 * and the TLS front takes over the same socket (any bytes after the request belong to TLS).
 */
import { isIP, type Socket } from 'node:net';
import type { Destination } from '../types.ts';

const MAX_REQUEST_HEAD = 16 * 1024;

export type ConnectRequest =
  | { ok: true; target: Destination; rest: Buffer }
  | { ok: false; status: 400 | 405 | 408 | 431; reason: string; closed?: boolean };

const HOST_LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;

/**
 * A host a CONNECT may name: a DNS name (letters, digits, '-', '_'), an IPv4 address, or (inside
 * brackets) an IPv6 one. Anything else would reach the resolver or the dialler as it came.
 */
export function isConnectHost(host: string, bracketed: boolean): boolean {
  if (bracketed) return isIP(host) === 6;
  if (isIP(host) === 4) return true;
  return host.length <= 253 && host.split('.').every((label) => HOST_LABEL.test(label));
}

/** Parses "CONNECT host:port HTTP/1.x" (bracketed IPv6 allowed). */
export function parseConnectHead(head: string): ConnectRequest {
  const requestLine = head.split('\r\n', 1)[0] ?? '';
  const match = /^([A-Z]+) (\S+) HTTP\/1\.[01]$/.exec(requestLine);
  if (!match) return { ok: false, status: 400, reason: 'malformed-connect' };
  if (match[1] !== 'CONNECT') return { ok: false, status: 405, reason: 'not-connect' };
  const authority = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s\[\]]+)):(\d{1,5})$/.exec(match[2]!);
  const port = Number(authority?.[3]);
  if (!authority || port < 1 || port > 65_535) return { ok: false, status: 400, reason: 'bad-connect-authority' };
  if (!isConnectHost((authority[1] ?? authority[2])!, authority[1] !== undefined)) return { ok: false, status: 400, reason: 'bad-connect-authority' };
  return { ok: true, target: { host: (authority[1] ?? authority[2])!, port }, rest: Buffer.alloc(0) };
}

export function readConnectRequest(socket: Socket, timeoutMs: number): Promise<ConnectRequest> {
  return new Promise((resolve) => {
    let data: Buffer = Buffer.alloc(0);
    const timer = setTimeout(() => done({ ok: false, status: 408, reason: 'connect-timeout' }), timeoutMs);
    const onData = (chunk: Buffer) => {
      data = data.length === 0 ? chunk : Buffer.concat([data, chunk]);
      const end = data.indexOf('\r\n\r\n');
      if (end < 0) {
        if (data.length > MAX_REQUEST_HEAD) done({ ok: false, status: 431, reason: 'connect-head-too-large' });
        return;
      }
      const parsed = parseConnectHead(data.subarray(0, end).toString('latin1'));
      done(parsed.ok ? { ...parsed, rest: data.subarray(end + 4) } : parsed);
    };
    const onClose = () => done({ ok: false, status: 400, reason: 'closed-before-connect', closed: true });
    function done(result: ConnectRequest): void {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onClose);
      socket.off('close', onClose);
      socket.pause();
      resolve(result);
    }
    socket.on('data', onData);
    socket.on('end', onClose);
    socket.on('close', onClose);
  });
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 405: 'Method Not Allowed', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

export function refuseConnect(socket: Socket, status: number): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(`HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  setTimeout(() => socket.destroy(), 1_000).unref();
}

export const CONNECT_ESTABLISHED = Buffer.from('HTTP/1.1 200 Connection Established\r\n\r\n');
