/**
 * Firefox OneCRL records, shaped like the entries of the security-state onecrl.json dump
 * (docs/campaigns.md §2.1). Two forms: issuerName + serialNumber (the 2019 Qaznet record), and
 * subject + pubKeyHash. Both match on exact bytes, which is why presets keep the real DN and serial.
 */
import { createHash, randomUUID } from 'node:crypto';
import { parseCertificate } from './pem.ts';

export interface OneCrlDetails {
  bug: string;
  who: string;
  why: string;
  name: string;
  created: string;
}

export interface OneCrlIssuerSerialRecord {
  details: OneCrlDetails;
  enabled: boolean;
  issuerName: string;
  serialNumber: string;
  id: string;
  last_modified: number;
}

export interface OneCrlSubjectKeyRecord {
  details: OneCrlDetails;
  enabled: boolean;
  subject: string;
  pubKeyHash: string;
  id: string;
  last_modified: number;
}

export type OneCrlRecord = OneCrlIssuerSerialRecord | OneCrlSubjectKeyRecord;

export interface OneCrlRecordOptions {
  form?: 'issuer-serial' | 'subject-key';
  details?: Partial<OneCrlDetails>;
  now?: Date;
}

export function oneCrlRecord(pemOrDer: string | Uint8Array, options: OneCrlRecordOptions = {}): OneCrlRecord {
  const cert = parseCertificate(pemOrDer, 'certificate');
  const now = options.now ?? new Date();
  const common = {
    details: {
      bug: 'https://bugzilla.mozilla.org/show_bug.cgi?id=1569803',
      who: 'tls-interception-lab',
      why: 'MITM root',
      name: cert.subject,
      created: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      ...options.details,
    },
    enabled: true,
  };
  const tail = { id: randomUUID(), last_modified: now.getTime() };
  if ((options.form ?? 'issuer-serial') === 'issuer-serial') {
    return {
      ...common,
      issuerName: Buffer.from(cert.issuerName.toArrayBuffer()).toString('base64'),
      serialNumber: serialContentBytes(cert.serialNumber).toString('base64'),
      ...tail,
    };
  }
  return {
    ...common,
    subject: Buffer.from(cert.subjectName.toArrayBuffer()).toString('base64'),
    pubKeyHash: createHash('sha256').update(Buffer.from(cert.publicKey.rawData)).digest('base64'),
    ...tail,
  };
}

/** The INTEGER's content octets, as OneCRL stores them (a 0x00 sign byte when the top bit is set). */
function serialContentBytes(unsignedHex: string): Buffer {
  const bytes = Buffer.from(unsignedHex.length % 2 ? `0${unsignedHex}` : unsignedHex, 'hex');
  return bytes[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes;
}

/** A remote-settings style collection document: `{ "data": [records] }`. */
export function oneCrlCollection(records: OneCrlRecord[]): { data: OneCrlRecord[] } {
  return { data: records };
}
