/**
 * Reading a ClientHello without consuming it: framing (records may split the handshake message),
 * a bounds-checked parse, and JA3/JA4 via read-tls-client-hello's calculators. The stream-based
 * reader of that package is not used: it reads one record only and waits forever on lengths that
 * point past the data, and a box facing the Internet must survive both.
 */
import { calculateJa3, calculateJa4, extensionParsers, isGREASE, type TlsClientHelloMessage } from 'read-tls-client-hello';
import { decodeAlpn, decodeServerName } from './hello-extensions.ts';

const RECORD_HEADER = 5;
const HANDSHAKE_HEADER = 4;
const CONTENT_HANDSHAKE = 22;
const HANDSHAKE_CLIENT_HELLO = 1;
/** TLS allows 2^14 plaintext bytes a record; 2^14 + 2048 is the ciphertext bound, kept for tolerance */
const MAX_RECORD = 16_384 + 2_048;
/** larger than any real ClientHello (post-quantum key shares are ~1.2 KiB), small enough to bound memory */
export const MAX_CLIENT_HELLO = 128 * 1024;

export type HelloFraming =
  | { state: 'need-more' }
  /** `length`: bytes of the raw stream (record headers included) that carry the whole ClientHello */
  | { state: 'complete'; length: number; handshake: Buffer }
  | { state: 'invalid'; reason: HelloRejection };

export type HelloRejection = 'not-tls' | 'sslv2-hello' | 'not-client-hello' | 'bad-record' | 'hello-too-large' | 'malformed-hello';

/** Decides whether `data` (the start of a connection) holds a complete ClientHello yet. */
export function frameClientHello(data: Buffer): HelloFraming {
  if (data.length === 0) return { state: 'need-more' };
  const first = data[0]!;
  if (first !== CONTENT_HANDSHAKE) {
    // SSLv2-compatible hello: 2-byte header with the top bit set, then message type 1
    if (first & 0x80 && (data.length < 3 || data[2] === HANDSHAKE_CLIENT_HELLO)) {
      return data.length < 3 ? { state: 'need-more' } : { state: 'invalid', reason: 'sslv2-hello' };
    }
    return { state: 'invalid', reason: 'not-tls' };
  }
  const fragments: Buffer[] = [];
  let collected = 0;
  let needed = -1;
  let offset = 0;
  while (offset + RECORD_HEADER <= data.length) {
    const type = data[offset]!;
    const major = data[offset + 1]!;
    const recordLength = data.readUInt16BE(offset + 3);
    if (type !== CONTENT_HANDSHAKE) return { state: 'invalid', reason: 'bad-record' };
    if (major !== 3 || recordLength === 0 || recordLength > MAX_RECORD) return { state: 'invalid', reason: 'bad-record' };
    const end = offset + RECORD_HEADER + recordLength;
    const available = Math.min(end, data.length);
    fragments.push(data.subarray(offset + RECORD_HEADER, available));
    collected += available - offset - RECORD_HEADER;
    if (needed < 0 && collected >= HANDSHAKE_HEADER) {
      const head = Buffer.concat(fragments).subarray(0, HANDSHAKE_HEADER);
      if (head[0] !== HANDSHAKE_CLIENT_HELLO) return { state: 'invalid', reason: 'not-client-hello' };
      needed = HANDSHAKE_HEADER + head.readUIntBE(1, 3);
      if (needed > MAX_CLIENT_HELLO) return { state: 'invalid', reason: 'hello-too-large' };
    }
    if (end > data.length) break;
    offset = end;
    if (needed >= 0 && collected >= needed) {
      return { state: 'complete', length: offset, handshake: Buffer.concat(fragments).subarray(0, needed) };
    }
  }
  if (offset > MAX_CLIENT_HELLO + 1024) return { state: 'invalid', reason: 'hello-too-large' };
  return { state: 'need-more' };
}

export interface ClientHelloInfo {
  /** the host_name, latin1-decoded (one character a byte); not yet checked against RFC 6066 */
  sni?: string;
  /** protocol names, latin1-decoded; each 1..255 bytes */
  alpn?: string[];
  /** highest version offered, as Node names them (TLSv1.3 …) */
  version: string;
  ja3: string;
  ja4: string;
  message: TlsClientHelloMessage;
}

class Cursor {
  offset = 0;
  constructor(private readonly buf: Buffer) {}
  take(length: number): Buffer {
    if (length < 0 || this.offset + length > this.buf.length) throw new RangeError('ClientHello field runs past its end');
    const out = this.buf.subarray(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }
  u8(): number {
    return this.take(1)[0]!;
  }
  u16(): number {
    return this.take(2).readUInt16BE(0);
  }
  get remaining(): number {
    return this.buf.length - this.offset;
  }
}

const EXTENSION_SERVER_NAME = 0;
const EXTENSION_ALPN = 16;
const EXTENSION_SUPPORTED_VERSIONS = 43;

/**
 * Parses the handshake message returned by frameClientHello; throws RangeError on malformed input:
 * a field running past its end, bytes after the extensions, a repeated extension (RFC 8446 §4.2:
 * which copy would count?), or a server_name or ALPN extension OpenSSL would refuse.
 */
export function parseClientHello(handshake: Buffer): ClientHelloInfo {
  const body = new Cursor(handshake.subarray(HANDSHAKE_HEADER));
  const version = body.u16();
  const random = body.take(32);
  const sessionId = body.take(body.u8());
  const suites = body.take(body.u16());
  if (suites.length % 2 !== 0) throw new RangeError('odd cipher suite list');
  const cipherSuites: number[] = [];
  for (let i = 0; i < suites.length; i += 2) cipherSuites.push(suites.readUInt16BE(i));
  const compressionMethods = [...body.take(body.u8())];
  const extensions: TlsClientHelloMessage['extensions'] = [];
  const raw = new Map<number, Buffer>();
  if (body.remaining > 0) {
    const block = new Cursor(body.take(body.u16()));
    while (block.remaining > 0) {
      const id = block.u16();
      const data = block.take(block.u16());
      if (raw.has(id)) throw new RangeError(`extension 0x${id.toString(16).padStart(4, '0')} appears twice`);
      raw.set(id, data);
      extensions.push({ id, data: parseExtension(id, data) });
    }
  }
  if (body.remaining > 0) throw new RangeError(`${body.remaining} bytes after the extensions`);
  const message: TlsClientHelloMessage = { version, random, sessionId, cipherSuites, compressionMethods, extensions };
  const serverName = raw.get(EXTENSION_SERVER_NAME);
  const alpnList = raw.get(EXTENSION_ALPN);
  const sni = serverName ? decodeServerName(serverName) : undefined;
  const alpn = alpnList ? decodeAlpn(alpnList) : undefined;
  const highest = highestVersion(raw.get(EXTENSION_SUPPORTED_VERSIONS)) ?? version;
  return {
    ...(sni !== undefined ? { sni } : {}),
    ...(alpn ? { alpn } : {}),
    version: VERSION_NAMES[highest] ?? `0x${highest.toString(16).padStart(4, '0')}`,
    ja3: calculateJa3(message),
    ja4: calculateJa4(message),
    message,
  };
}

/** supported_versions (RFC 8446 §4.2.1): a 1-byte length, then 2-byte versions; GREASE ignored. */
function highestVersion(data: Buffer | undefined): number | undefined {
  if (!data || data.length < 1 || data[0] !== data.length - 1 || data[0] % 2 !== 0) return undefined;
  let highest: number | undefined;
  for (let i = 1; i < data.length; i += 2) {
    const v = data.readUInt16BE(i);
    if (!isGREASE(v) && (highest === undefined || v > highest)) highest = v;
  }
  return highest;
}

const VERSION_NAMES: Record<number, string> = {
  0x0300: 'SSLv3',
  0x0301: 'TLSv1',
  0x0302: 'TLSv1.1',
  0x0303: 'TLSv1.2',
  0x0304: 'TLSv1.3',
};

function parseExtension(id: number, data: Buffer): Record<string, unknown> | null {
  const parser = (extensionParsers as Record<number, ((data: Buffer) => unknown) | undefined>)[id];
  if (!parser || isGREASE(id)) return null;
  try {
    return (parser(data) as Record<string, unknown> | null) ?? null;
  } catch {
    return null;
  }
}
