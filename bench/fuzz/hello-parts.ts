/**
 * A ClientHello as a tree of length-prefixed parts, so the fuzzer can build any hello (valid or
 * not) and knows where every length field is, to make it lie. `dissect` turns a captured hello
 * into the same tree, the inner lists of the extensions the engine reads included.
 */

/** raw bytes, a sequence, or a length-prefixed block of `size` bytes around its parts */
export type Part = Buffer | Block | readonly Part[];

export interface Block {
  size: 1 | 2 | 3;
  name: string;
  parts: readonly Part[];
}

export interface LengthField {
  name: string;
  offset: number;
  size: 1 | 2 | 3;
}

export interface Encoded {
  bytes: Buffer;
  /** every length field, outermost first */
  lengths: LengthField[];
}

export const block = (size: 1 | 2 | 3, name: string, ...parts: Part[]): Block => ({ size, name, parts });

export const u8 = (n: number): Buffer => Buffer.from([n & 0xff]);
export const u16 = (n: number): Buffer => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
export const u16s = (values: readonly number[]): Buffer => Buffer.concat(values.map(u16));

/** Serialises a part; a length too large for its field saturates (the field then lies by itself). */
export function encode(part: Part): Encoded {
  const lengths: LengthField[] = [];
  const chunks: Buffer[] = [];
  let offset = 0;
  const walk = (p: Part): number => {
    if (Buffer.isBuffer(p)) {
      chunks.push(p);
      offset += p.length;
      return p.length;
    }
    if (Array.isArray(p)) return (p as readonly Part[]).reduce<number>((sum, child) => sum + walk(child), 0);
    const b = p as Block;
    const header = Buffer.alloc(b.size);
    lengths.push({ name: b.name, offset, size: b.size });
    chunks.push(header);
    offset += b.size;
    let inner = 0;
    for (const child of b.parts) inner += walk(child);
    header.writeUIntBE(Math.min(inner, 2 ** (8 * b.size) - 1), 0, b.size);
    return b.size + inner;
  };
  walk(part);
  return { bytes: Buffer.concat(chunks), lengths };
}

export interface Extension {
  id: number;
  data: Part;
}

export interface HelloSpec {
  /** record layer version (0x0301 in practice) */
  recordVersion: number;
  /** legacy_version (0x0303 for TLS 1.2 and 1.3) */
  version: number;
  random: Buffer;
  sessionId: Buffer;
  /** raw, so an odd length can be expressed */
  suites: Buffer;
  compression: Buffer;
  /** undefined: no extensions block at all (an SSL 3.0-style hello) */
  extensions?: readonly Extension[];
}

const hex4 = (n: number) => `0x${n.toString(16).padStart(4, '0')}`;

export function extensionPart(e: Extension): Part {
  return [u16(e.id), block(2, `extension ${hex4(e.id)} length`, e.data)];
}

/** The hello as one handshake message, without a record header. */
export function handshakePart(spec: HelloSpec): Part {
  const body: Part[] = [
    u16(spec.version),
    spec.random,
    block(1, 'session id length', spec.sessionId),
    block(2, 'cipher suites length', spec.suites),
    block(1, 'compression methods length', spec.compression),
  ];
  if (spec.extensions) body.push(block(2, 'extensions length', ...spec.extensions.map(extensionPart)));
  return [u8(1), block(3, 'handshake length', ...body)];
}

/** The hello in a single record (an oversize one saturates the record length, which then lies). */
export function helloRecord(spec: HelloSpec): Encoded {
  return encode([u8(22), u16(spec.recordVersion), block(2, 'record length', handshakePart(spec))]);
}

/** The handshake message cut into records of the given fragment sizes (the last takes the rest). */
export function helloRecords(spec: HelloSpec, fragments: readonly number[]): Buffer {
  const message = encode(handshakePart(spec)).bytes;
  const records: Buffer[] = [];
  let offset = 0;
  for (const size of fragments) {
    if (offset >= message.length) break;
    const fragment = message.subarray(offset, offset + Math.max(1, size));
    records.push(u8(22), u16(spec.recordVersion), u16(fragment.length), fragment);
    offset += fragment.length;
  }
  for (; offset < message.length; offset += 16_384) {
    const fragment = message.subarray(offset, offset + 16_384);
    records.push(u8(22), u16(spec.recordVersion), u16(fragment.length), fragment);
  }
  return Buffer.concat(records);
}

// extension bodies, built with their inner length fields

export const EXT = { serverName: 0, supportedGroups: 10, signatureAlgorithms: 13, alpn: 16, supportedVersions: 43, keyShare: 51 } as const;

export interface ServerNameEntry {
  type: number;
  name: Buffer;
}

export const serverNameData = (entries: readonly ServerNameEntry[]): Part =>
  block(2, 'server_name list length', ...entries.map((e) => [u8(e.type), block(2, 'server_name length', e.name)]));

export const alpnData = (protocols: readonly Buffer[]): Part => block(2, 'ALPN list length', ...protocols.map((p) => block(1, 'ALPN name length', p)));

export const supportedVersionsData = (versions: readonly number[]): Part => block(1, 'supported_versions length', u16s(versions));

export const u16ListData = (name: string, values: readonly number[]): Part => block(2, `${name} length`, u16s(values));

export const keyShareData = (entries: readonly { group: number; key: Buffer }[]): Part =>
  block(2, 'key_share list length', ...entries.map((e) => [u16(e.group), block(2, 'key_exchange length', e.key)]));

/** A captured hello (one complete handshake message in one or more records) as a spec. */
export function dissect(raw: Buffer): HelloSpec {
  const message: Buffer[] = [];
  for (let offset = 0; offset + 5 <= raw.length; ) {
    const length = raw.readUInt16BE(offset + 3);
    message.push(raw.subarray(offset + 5, offset + 5 + length));
    offset += 5 + length;
  }
  const m = Buffer.concat(message);
  let at = 4;
  const take = (n: number) => m.subarray(at, (at += n));
  const version = m.readUInt16BE(at);
  at += 2;
  const random = take(32);
  const sessionId = take(m[at++]!);
  const suites = take(m.readUInt16BE((at += 2) - 2));
  const compression = take(m[at++]!);
  const extensions: Extension[] = [];
  const end = at + 2 + m.readUInt16BE(at);
  at += 2;
  while (at < end) {
    const id = m.readUInt16BE(at);
    const data = m.subarray(at + 4, at + 4 + m.readUInt16BE(at + 2));
    at += 4 + data.length;
    extensions.push({ id, data: structured(id, data) });
  }
  return { recordVersion: raw.readUInt16BE(1), version, random, sessionId, suites, compression, extensions };
}

/** The inner structure of the extensions whose lengths are worth lying about. */
function structured(id: number, data: Buffer): Part {
  switch (id) {
    case EXT.serverName:
      return serverNameData([{ type: data[2]!, name: data.subarray(5) }]);
    case EXT.alpn: {
      const protocols: Buffer[] = [];
      for (let i = 2; i < data.length; i += 1 + data[i]!) protocols.push(data.subarray(i + 1, i + 1 + data[i]!));
      return alpnData(protocols);
    }
    case EXT.supportedVersions:
      return block(1, 'supported_versions length', data.subarray(1));
    case EXT.supportedGroups:
    case EXT.signatureAlgorithms:
      return block(2, `${id === EXT.supportedGroups ? 'supported_groups' : 'signature_algorithms'} length`, data.subarray(2));
    case EXT.keyShare: {
      const entries: { group: number; key: Buffer }[] = [];
      for (let i = 2; i + 4 <= data.length; i += 4 + data.readUInt16BE(i + 2)) {
        entries.push({ group: data.readUInt16BE(i), key: data.subarray(i + 4, i + 4 + data.readUInt16BE(i + 2)) });
      }
      return keyShareData(entries);
    }
    default:
      return data;
  }
}
