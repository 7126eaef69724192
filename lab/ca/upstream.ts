/**
 * A fast, read-only view of the upstream certificate the interceptor fetched. Forging needs only
 * a few fields, byte-exact (subject DER, serial, dates, a couple of extensions); a full
 * @peculiar/x509 parse cost ~6 ms per certificate here, this DER walk costs microseconds, and
 * node:crypto's native parser supplies the string fields.
 */
import { X509Certificate } from 'node:crypto';
import * as der from './der.ts';
import { UserError } from '../errors.ts';

export interface UpstreamExtension {
  critical: boolean;
  /** the whole Extension TLV, ready to copy into another certificate */
  der: Buffer;
  /** extnValue contents */
  value: Buffer;
}

export interface UpstreamCertificate {
  der: Buffer;
  subjectDer: Buffer;
  serialHex: string;
  notBefore: Date;
  notAfter: Date;
  extension(oid: string): UpstreamExtension | undefined;
  /** node:crypto's view, for subject attributes and SAN as strings */
  readonly native: X509Certificate;
}

interface Tlv {
  tag: number;
  start: number;
  contentStart: number;
  end: number;
}

function readTlv(buf: Buffer, at: number): Tlv {
  if (at + 2 > buf.length) throw new Error(`truncated at byte ${at}`);
  const first = buf[at + 1]!;
  let length = first;
  let header = 2;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 4) throw new Error(`unsupported length at byte ${at}`);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[at + 2 + i]!;
    header += count;
  }
  const end = at + header + length;
  if (end > buf.length) throw new Error(`element at byte ${at} runs past the end`);
  return { tag: buf[at]!, start: at, contentStart: at + header, end };
}

function children(buf: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.contentStart; at < parent.end; ) {
    const child = readTlv(buf, at);
    out.push(child);
    at = child.end;
  }
  return out;
}

function parseTime(buf: Buffer, t: Tlv): Date {
  const text = buf.subarray(t.contentStart, t.end).toString('latin1');
  const full = t.tag === 0x17 ? (Number(text.slice(0, 2)) >= 50 ? '19' : '20') + text : text;
  const m = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(full);
  if (!m) throw new Error(`unsupported time "${text}"`);
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
}

export function readUpstream(input: Uint8Array, source = 'upstream certificate'): UpstreamCertificate {
  const buf = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  try {
    const certificate = readTlv(buf, 0);
    const tbs = children(buf, certificate)[0];
    if (certificate.tag !== 0x30 || !tbs || tbs.tag !== 0x30) throw new Error('not a certificate SEQUENCE');
    const fields = children(buf, tbs);
    const offset = fields[0]?.tag === 0xa0 ? 1 : 0;
    const [serial, , , validity, subject] = fields.slice(offset);
    if (!serial || serial.tag !== 0x02 || !validity || !subject) throw new Error('missing TBSCertificate fields');
    const [notBefore, notAfter] = children(buf, validity);
    const extensionsField = fields.find((f) => f.tag === 0xa3);
    const extensions = new Map<string, UpstreamExtension>();
    if (extensionsField) {
      for (const ext of children(buf, children(buf, extensionsField)[0]!)) {
        const parts = children(buf, ext);
        const critical = parts.length === 3 && buf[parts[1]!.contentStart] !== 0;
        const value = parts[parts.length - 1]!;
        extensions.set(buf.subarray(parts[0]!.start, parts[0]!.end).toString('hex'), {
          critical,
          der: buf.subarray(ext.start, ext.end),
          value: buf.subarray(value.contentStart, value.end),
        });
      }
    }
    let serialBytes = buf.subarray(serial.contentStart, serial.end);
    while (serialBytes.length > 1 && serialBytes[0] === 0) serialBytes = serialBytes.subarray(1);
    let native: X509Certificate | undefined;
    const view: UpstreamCertificate = {
      der: buf,
      subjectDer: buf.subarray(subject.start, subject.end),
      serialHex: serialBytes.toString('hex'),
      notBefore: parseTime(buf, notBefore!),
      notAfter: parseTime(buf, notAfter!),
      extension: (oid) => extensions.get(der.oid(oid).toString('hex')),
      get native() {
        native ??= new X509Certificate(buf);
        return native;
      },
    };
    return view;
  } catch (err) {
    throw new UserError(`${source} is not a valid DER certificate (${(err as Error).message})`);
  }
}

/** One attribute of node:crypto's multi-line subject string ("CN=a\nO=b"). */
export function subjectAttribute(cert: X509Certificate, attribute: string): string | undefined {
  const line = cert.subject.split('\n').find((l) => l.startsWith(`${attribute}=`));
  return line?.slice(attribute.length + 1);
}

/** DNS names from node:crypto's subjectAltName string. */
export function dnsNames(cert: X509Certificate): string[] {
  return (cert.subjectAltName ?? '')
    .split(', ')
    .filter((entry) => entry.startsWith('DNS:'))
    .map((entry) => entry.slice(4));
}
