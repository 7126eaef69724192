/**
 * Minimal DER assembly for the forging hot path. The parts (names, SPKIs, extensions) come from
 * @peculiar/x509 or are copied from real certificates; this only wraps them in tag-length-value
 * envelopes, which costs microseconds where a full asn1-schema round trip cost milliseconds
 * (bench/forge.ts, docs/ca.md).
 */

export function tlv(tag: number, ...content: Uint8Array[]): Buffer {
  const body = content.length === 1 ? Buffer.from(content[0]!.buffer, content[0]!.byteOffset, content[0]!.byteLength) : Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
}

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n >>= 8) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export const sequence = (...parts: Uint8Array[]) => tlv(0x30, ...parts);
export const octetString = (content: Uint8Array) => tlv(0x04, content);

/** INTEGER from unsigned big-endian bytes: leading zeros dropped, a 0x00 added before a high bit. */
export function unsignedInteger(bytes: Uint8Array): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  let content = Buffer.from(bytes.subarray(start));
  if (content.length === 0) content = Buffer.from([0]);
  if (content[0]! & 0x80) content = Buffer.concat([Buffer.from([0]), content]);
  return tlv(0x02, content);
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. */
export function time(date: Date): Buffer {
  const iso = date.toISOString();
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '') + 'Z';
  const year = date.getUTCFullYear();
  return year >= 1950 && year < 2050 ? tlv(0x17, Buffer.from(digits.slice(2), 'latin1')) : tlv(0x18, Buffer.from(digits, 'latin1'));
}

export function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number);
  const body: number[] = [40 * arcs[0]! + arcs[1]!];
  for (const arc of arcs.slice(2)) {
    const chunk: number[] = [arc & 0x7f];
    for (let n = Math.floor(arc / 128); n > 0; n = Math.floor(n / 128)) chunk.unshift((n & 0x7f) | 0x80);
    body.push(...chunk);
  }
  return tlv(0x06, Buffer.from(body));
}

/** Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING } */
export function extension(id: string, critical: boolean, value: Uint8Array): Buffer {
  return critical ? sequence(oid(id), Buffer.from([0x01, 0x01, 0xff]), octetString(value)) : sequence(oid(id), octetString(value));
}

/** Header length and content length of the TLV at `at`. */
function readTlv(der: Uint8Array, at: number): { header: number; length: number } {
  const first = der[at + 1]!;
  if (first < 0x80) return { header: 2, length: first };
  const count = first & 0x7f;
  let length = 0;
  for (let i = 0; i < count; i++) length = length * 256 + der[at + 2 + i]!;
  return { header: 2 + count, length };
}

/** The subjectPublicKey BIT STRING contents (without the unused-bits byte) of an SPKI. */
export function subjectPublicKeyBits(spkiDer: Uint8Array): Uint8Array {
  const outer = readTlv(spkiDer, 0);
  const algorithmAt = outer.header;
  const algorithm = readTlv(spkiDer, algorithmAt);
  const bitStringAt = algorithmAt + algorithm.header + algorithm.length;
  const bits = readTlv(spkiDer, bitStringAt);
  return spkiDer.subarray(bitStringAt + bits.header + 1, bitStringAt + bits.header + bits.length);
}
