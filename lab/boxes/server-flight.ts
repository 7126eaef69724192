/**
 * What a box said first, read off the wire without taking part: its ServerHello (the version and
 * suite it chose) and, where the protocol still sends it in the clear (TLS 1.2 and older), its
 * Certificate message — the chain the client was served. TLS 1.3 encrypts the certificate; then
 * the chain comes from the client's own report. Bounds-checked: a box's bytes are wire input too.
 */
import { X509Certificate } from 'node:crypto';

const CONTENT_HANDSHAKE = 22;
const HANDSHAKE_SERVER_HELLO = 2;
const HANDSHAKE_CERTIFICATE = 11;
const EXTENSION_SUPPORTED_VERSIONS = 43;
const MAX_FLIGHT = 256 * 1024;

const VERSION_NAMES: Record<number, string> = { 0x0300: 'SSLv3', 0x0301: 'TLSv1', 0x0302: 'TLSv1.1', 0x0303: 'TLSv1.2', 0x0304: 'TLSv1.3' };

export interface ServerFlight {
  /** the negotiated version, as Node names them */
  version?: string;
  /** the cipher suite code point */
  cipher?: number;
  /** PEM per certificate, leaf first (TLS 1.2 and older only) */
  chainPem?: string[];
  /** the flight is over for a passive reader (encrypted records began, or it was not TLS) */
  done: boolean;
}

/** Handshake bytes out of the records seen so far; stops at the first record that is not a handshake. */
function handshakeBytes(data: Buffer): { bytes: Buffer; ended: boolean } {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 5 <= data.length) {
    const type = data[offset]!;
    const length = data.readUInt16BE(offset + 3);
    if (type !== CONTENT_HANDSHAKE) return { bytes: Buffer.concat(parts), ended: true };
    if (offset + 5 + length > data.length) break;
    parts.push(data.subarray(offset + 5, offset + 5 + length));
    offset += 5 + length;
  }
  return { bytes: Buffer.concat(parts), ended: false };
}

function readServerHello(body: Buffer): { version?: string; cipher?: number } {
  let at = 2 + 32;
  if (body.length < at + 1) return {};
  at += 1 + body[at]!;
  if (body.length < at + 3) return {};
  const cipher = body.readUInt16BE(at);
  at += 3;
  let version = body.readUInt16BE(0);
  if (body.length >= at + 2) {
    const end = Math.min(body.length, at + 2 + body.readUInt16BE(at));
    at += 2;
    while (at + 4 <= end) {
      const id = body.readUInt16BE(at);
      const length = body.readUInt16BE(at + 2);
      if (id === EXTENSION_SUPPORTED_VERSIONS && length === 2 && at + 6 <= end) version = body.readUInt16BE(at + 4);
      at += 4 + length;
    }
  }
  return { version: VERSION_NAMES[version] ?? `0x${version.toString(16).padStart(4, '0')}`, cipher };
}

function readCertificates(body: Buffer): string[] | undefined {
  if (body.length < 3) return undefined;
  const end = Math.min(body.length, 3 + body.readUIntBE(0, 3));
  const out: string[] = [];
  let at = 3;
  while (at + 3 <= end) {
    const length = body.readUIntBE(at, 3);
    if (at + 3 + length > end) return undefined;
    try {
      out.push(new X509Certificate(body.subarray(at + 3, at + 3 + length)).toString());
    } catch {
      return undefined;
    }
    at += 3 + length;
  }
  return out;
}

/** Reads what can be read of the server's first flight in `data` (the bytes the box sent first). */
export function readServerFlight(data: Buffer): ServerFlight {
  if (data.length > 0 && data[0] !== CONTENT_HANDSHAKE) return { done: true };
  const { bytes, ended } = handshakeBytes(data);
  const flight: ServerFlight = { done: ended || data.length > MAX_FLIGHT };
  let at = 0;
  while (at + 4 <= bytes.length) {
    const type = bytes[at]!;
    const length = bytes.readUIntBE(at + 1, 3);
    if (at + 4 + length > bytes.length) break;
    const body = bytes.subarray(at + 4, at + 4 + length);
    if (type === HANDSHAKE_SERVER_HELLO) Object.assign(flight, readServerHello(body));
    if (type === HANDSHAKE_CERTIFICATE && flight.version !== 'TLSv1.3') {
      const chain = readCertificates(body);
      if (chain) flight.chainPem = chain;
      flight.done = true;
    }
    at += 4 + length;
  }
  if (flight.version === 'TLSv1.3') flight.done = true;
  return flight;
}
