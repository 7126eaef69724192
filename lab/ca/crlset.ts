/**
 * Chromium CRLSet files (net/cert/crl_set.cc; docs/campaigns.md §3.1):
 *   uint16le header length, JSON header, then until EOF per parent:
 *   32-byte SHA-256(parent SPKI), uint32le serial count, serials as (uint8 length, bytes).
 * The header must say Version 0 and ContentType "CRLSet"; Chromium rejects anything else.
 */
import { UserError } from '../errors.ts';
import { parseSpkiHash } from './spki.ts';
import type { SpkiHash } from './types.ts';

export type SpkiHashInput = string | SpkiHash;

export interface CrlSetParent {
  /** SHA-256 of the issuing CA's SPKI */
  spki: SpkiHashInput;
  /** revoked serials as unsigned big-endian hex */
  serials: string[];
}

export interface CrlSetOptions {
  sequence: number;
  /** Unix seconds after which Chromium treats the set as expired; omitted = never */
  notAfter?: number;
  blockedSpkis?: SpkiHashInput[];
  knownInterceptionSpkis?: SpkiHashInput[];
  /** Chromium adds these to both the blocked and the known-interception lists */
  blockedInterceptionSpkis?: SpkiHashInput[];
  /** base64 SHA-256 of a DER subject → SPKI hashes that subject may use */
  limitedSubjects?: Record<string, SpkiHashInput[]>;
  parents?: CrlSetParent[];
}

export interface DecodedCrlSet {
  header: Record<string, unknown>;
  sequence: number;
  notAfter?: number;
  /** base64 hashes, as in the header */
  blockedSpkis: string[];
  knownInterceptionSpkis: string[];
  blockedInterceptionSpkis: string[];
  limitedSubjects: Record<string, string[]>;
  parents: Array<{ spkiSha256Hex: string; serials: string[] }>;
}

export class CrlSetFormatError extends UserError {}

const MAX_SERIALS = 32 * 1024 * 1024;

export function encodeCrlSet(options: CrlSetOptions): Buffer {
  if (!Number.isInteger(options.sequence) || options.sequence < 0 || options.sequence > 0x7fffffff) {
    throw new UserError(`CRLSet sequence must be an integer 0..2147483647, got ${options.sequence}`);
  }
  const b64 = (list: SpkiHashInput[] = []) => list.map((h) => toHash(h).base64);
  const parents = options.parents ?? [];
  const header: Record<string, unknown> = {
    Version: 0,
    ContentType: 'CRLSet',
    Sequence: options.sequence,
    DeltaFrom: 0,
    NumParents: parents.length,
    BlockedSPKIs: b64(options.blockedSpkis),
    KnownInterceptionSPKIs: b64(options.knownInterceptionSpkis),
    BlockedInterceptionSPKIs: b64(options.blockedInterceptionSpkis),
  };
  if (options.notAfter !== undefined) header.NotAfter = options.notAfter;
  if (options.limitedSubjects) {
    header.LimitedSubjects = Object.fromEntries(
      Object.entries(options.limitedSubjects).map(([subject, spkis]) => [subject, b64(spkis)]),
    );
  }
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  if (headerBytes.length > 0xffff) throw new UserError(`CRLSet header is ${headerBytes.length} bytes; the format allows 65535`);
  const chunks: Buffer[] = [u16le(headerBytes.length), headerBytes];
  for (const parent of parents) {
    chunks.push(Buffer.from(toHash(parent.spki).hex, 'hex'), u32le(parent.serials.length));
    for (const serialHex of parent.serials) {
      const serial = serialBytes(serialHex);
      chunks.push(Buffer.from([serial.length]), serial);
    }
  }
  return Buffer.concat(chunks);
}

export function decodeCrlSet(buf: Uint8Array, source = 'CRLSet'): DecodedCrlSet {
  const data = Buffer.from(buf);
  const fail = (why: string): never => {
    throw new CrlSetFormatError(`${source}: not a valid CRLSet (${why})`);
  };
  if (data.length < 2) fail('shorter than its 2-byte header length');
  const headerLength = data.readUInt16LE(0);
  if (data.length < 2 + headerLength) fail(`header length ${headerLength} runs past the end of the file`);
  let header: Record<string, unknown> = {};
  try {
    // Chromium's JSON reader accepts trailing commas; so does this
    const text = data.subarray(2, 2 + headerLength).toString('utf8').replace(/,\s*([}\]])/g, '$1');
    header = JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    fail(`header is not JSON: ${(err as Error).message}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('header is not a JSON object');
  if (header.Version !== 0) fail(`Version is ${JSON.stringify(header.Version)}, must be 0`);
  if (header.ContentType !== 'CRLSet') fail(`ContentType is ${JSON.stringify(header.ContentType)}, must be "CRLSet"`);
  if (typeof header.Sequence !== 'number' || !Number.isInteger(header.Sequence)) fail('Sequence missing or not an integer');
  const strings = (key: string): string[] => {
    const value = header[key];
    if (value === undefined) return [];
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) fail(`${key} is not a list of strings`);
    return value as string[];
  };
  const limited = header.LimitedSubjects;
  const limitedSubjects: Record<string, string[]> = {};
  if (limited !== undefined) {
    if (typeof limited !== 'object' || limited === null || Array.isArray(limited)) fail('LimitedSubjects is not an object');
    for (const [subject, spkis] of Object.entries(limited as Record<string, unknown>)) {
      if (!Array.isArray(spkis) || spkis.some((v) => typeof v !== 'string')) fail(`LimitedSubjects[${subject}] is not a list of strings`);
      limitedSubjects[subject] = spkis as string[];
    }
  }

  const parents: DecodedCrlSet['parents'] = [];
  let at = 2 + headerLength;
  while (at < data.length) {
    if (at + 36 > data.length) fail(`truncated parent record at byte ${at}`);
    const spkiSha256Hex = data.subarray(at, at + 32).toString('hex');
    const count = data.readUInt32LE(at + 32);
    at += 36;
    if (count > MAX_SERIALS) fail(`parent ${spkiSha256Hex} claims ${count} serials`);
    const serials: string[] = [];
    for (let i = 0; i < count; i++) {
      if (at >= data.length) fail(`truncated serial list of parent ${spkiSha256Hex}`);
      const length = data[at]!;
      if (at + 1 + length > data.length) fail(`truncated serial in parent ${spkiSha256Hex}`);
      serials.push(data.subarray(at + 1, at + 1 + length).toString('hex'));
      at += 1 + length;
    }
    parents.push({ spkiSha256Hex, serials });
  }
  const decoded: DecodedCrlSet = {
    header,
    sequence: header.Sequence as number,
    blockedSpkis: strings('BlockedSPKIs'),
    knownInterceptionSpkis: strings('KnownInterceptionSPKIs'),
    blockedInterceptionSpkis: strings('BlockedInterceptionSPKIs'),
    limitedSubjects,
    parents,
  };
  if (typeof header.NotAfter === 'number') decoded.notAfter = header.NotAfter;
  return decoded;
}

/**
 * The files of a hand-placed CRLSet component: `<user-data-dir>/CertificateRevocation/<version>/`
 * holding `crl-set` and `manifest.json` (docs/browsers.md; Chromium must run
 * without --disable-component-update to load it).
 */
export function crlSetComponentFiles(crlSet: Buffer, version = '9999.0.0'): { dir: string; files: Record<string, Buffer> } {
  const manifest = { manifest_version: 2, name: 'CRLSet', version };
  return {
    dir: `CertificateRevocation/${version}`,
    files: { 'crl-set': crlSet, 'manifest.json': Buffer.from(JSON.stringify(manifest, null, 2) + '\n') },
  };
}

function toHash(input: SpkiHashInput): SpkiHash {
  return typeof input === 'string' ? parseSpkiHash(input) : parseSpkiHash(input.hex);
}

function serialBytes(hex: string): Buffer {
  const clean = hex.replace(/[:\s]/g, '');
  if (!/^[0-9a-fA-F]+$/.test(clean)) throw new UserError(`serial "${hex}" is not hex`);
  const bytes = Buffer.from(clean.length % 2 ? `0${clean}` : clean, 'hex');
  if (bytes.length > 255) throw new UserError(`serial "${hex}" is longer than 255 bytes`);
  return bytes;
}

function u16le(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
}

function u32le(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}
