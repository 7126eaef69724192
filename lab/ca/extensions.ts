/**
 * Extension builders for what @peculiar/x509 has no helper for, or where the real roots use a
 * particular form (the ISCA roots' authorityKeyIdentifier carries keyid + issuer + serial).
 */
import { createHash, randomBytes } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import * as asn1 from '@peculiar/asn1-x509';
import { x509 } from './x509.ts';
import * as der from './der.ts';

export const OID = {
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  subjectAltName: '2.5.29.17',
  nameConstraints: '2.5.29.30',
  crlDistributionPoints: '2.5.29.31',
  certificatePolicies: '2.5.29.32',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
  sctList: '1.3.6.1.4.1.11129.2.4.2',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  /** CA/Browser Forum domain-validated policy */
  dvPolicy: '2.23.140.1.2.1',
} as const;

/** RFC 5280 method 1: SHA-1 of the subjectPublicKey BIT STRING contents. */
export function keyIdentifierOf(spkiDer: Uint8Array): Buffer {
  return createHash('sha1').update(der.subjectPublicKeyBits(spkiDer)).digest();
}

// DER forms for the forging hot path: same encodings as the @peculiar/x509 classes, without the
// asn1-schema round trip per leaf.

export function subjectKeyIdentifierDer(spkiDer: Uint8Array): Buffer {
  return der.extension(OID.subjectKeyIdentifier, false, der.octetString(keyIdentifierOf(spkiDer)));
}

const keyIdAkiCache = new Map<string, Buffer>();

/** keyid-only authorityKeyIdentifier, memoised per issuer key */
export function authorityKeyIdentifierDer(issuerSpkiDer: Uint8Array): Buffer {
  const id = Buffer.from(issuerSpkiDer).toString('base64');
  let ext = keyIdAkiCache.get(id);
  if (!ext) {
    ext = der.extension(OID.authorityKeyIdentifier, false, der.sequence(der.tlv(0x80, keyIdentifierOf(issuerSpkiDer))));
    keyIdAkiCache.set(id, ext);
  }
  return ext;
}

/** subjectAltName with dNSName entries, or iPAddress for dotted IPv4 literals */
export function subjectAltNameDer(names: readonly string[]): Buffer {
  const entries = names.map((name) =>
    /^\d{1,3}(\.\d{1,3}){3}$/.test(name)
      ? der.tlv(0x87, Buffer.from(name.split('.').map(Number)))
      : der.tlv(0x82, Buffer.from(name, 'latin1')),
  );
  return der.extension(OID.subjectAltName, false, der.sequence(...entries));
}

const ATTRIBUTE_OIDS = { C: '2.5.4.6', O: '2.5.4.10', CN: '2.5.4.3' } as const;

/** Name with one attribute per RDN, PrintableString when the value allows, else UTF8String */
export function simpleNameDer(rdns: ReadonlyArray<readonly [keyof typeof ATTRIBUTE_OIDS, string]>): Buffer {
  const printable = /^[A-Za-z0-9 '()+,\-./:=?]*$/;
  return der.sequence(
    ...rdns.map(([attribute, value]) =>
      der.tlv(0x31, der.sequence(der.oid(ATTRIBUTE_OIDS[attribute]), der.tlv(printable.test(value) ? 0x13 : 0x0c, Buffer.from(value, 'utf8')))),
    ),
  );
}

export function commonNameDer(commonName: string, country?: string): Buffer {
  return simpleNameDer(country ? [['C', country], ['CN', commonName]] : [['CN', commonName]]);
}

/** cRLDistributionPoints with one distributionPoint whose fullName is one URI */
export function crlDistributionPointDer(url: string): Buffer {
  const fullName = der.tlv(0xa0, der.tlv(0x86, Buffer.from(url, 'latin1')));
  return der.extension(OID.crlDistributionPoints, false, der.sequence(der.sequence(der.tlv(0xa0, fullName))));
}

/** extendedKeyUsage serverAuth, non-critical */
export const SERVER_AUTH_EKU_DER = der.extension(OID.extKeyUsage, false, der.sequence(der.oid(OID.serverAuth)));

export function subjectKeyIdentifier(spkiDer: Uint8Array): x509.Extension {
  return new x509.SubjectKeyIdentifierExtension(keyIdentifierOf(spkiDer).toString('hex'));
}

export function authorityKeyIdentifier(
  issuerSpkiDer: Buffer,
  withIssuerAndSerial?: { issuer: x509.Name; serialHex: string },
): x509.Extension {
  const value = new asn1.AuthorityKeyIdentifier({
    keyIdentifier: new asn1.KeyIdentifier(keyIdentifierOf(issuerSpkiDer)),
  });
  if (withIssuerAndSerial) {
    const issuerAsn = AsnConvert.parse(withIssuerAndSerial.issuer.toArrayBuffer(), asn1.Name);
    value.authorityCertIssuer = [new asn1.GeneralName({ directoryName: issuerAsn })];
    value.authorityCertSerialNumber = hexToArrayBuffer(withIssuerAndSerial.serialHex);
  }
  return new x509.Extension(OID.authorityKeyIdentifier, false, AsnConvert.serialize(value));
}

export function nameConstraints(permittedDns: string[], excludedDns: string[]): x509.Extension {
  const subtrees = (names: string[]) =>
    new asn1.GeneralSubtrees(
      names.map((dNSName) => new asn1.GeneralSubtree({ base: new asn1.GeneralName({ dNSName }) })),
    );
  const value = new asn1.NameConstraints({});
  if (permittedDns.length > 0) value.permittedSubtrees = subtrees(permittedDns);
  if (excludedDns.length > 0) value.excludedSubtrees = subtrees(excludedDns);
  return new x509.Extension(OID.nameConstraints, true, AsnConvert.serialize(value));
}

/**
 * A syntactically valid RFC 6962 SignedCertificateTimestampList from two made-up logs. Nothing
 * verifies these signatures in the lab; the point is that an origin carries SCTs the way public
 * certificates do, so a forged leaf that drops them is observably different.
 */
export function fakeSctList(timestampMs: number): x509.Extension {
  const scts = [1, 2].map((log) => {
    const logId = createHash('sha256').update(`tls-interception-lab fake CT log ${log}`).digest();
    const signature = fakeEcdsaSignature();
    const body = Buffer.alloc(1 + 32 + 8 + 2 + 2 + 2);
    let at = body.writeUInt8(0, 0); // v1
    at += logId.copy(body, at);
    at = body.writeBigUInt64BE(BigInt(timestampMs), at);
    at = body.writeUInt16BE(0, at); // no CT extensions
    at = body.writeUInt8(4, at); // sha256
    at = body.writeUInt8(3, at); // ecdsa
    body.writeUInt16BE(signature.length, at);
    return withLength16(Buffer.concat([body, signature]));
  });
  const list = withLength16(Buffer.concat(scts));
  return new x509.Extension(OID.sctList, false, AsnConvert.serialize(new OctetString(list)));
}

function fakeEcdsaSignature(): Buffer {
  const integer = (bytes: Buffer) => Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
  const positive = () => Buffer.concat([Buffer.from([0x00]), randomBytes(32)]);
  const body = Buffer.concat([integer(positive()), integer(positive())]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

function withLength16(payload: Buffer): Buffer {
  const length = Buffer.alloc(2);
  length.writeUInt16BE(payload.length);
  return Buffer.concat([length, payload]);
}

function hexToArrayBuffer(hex: string): ArrayBuffer {
  const bytes = Buffer.from(hex, 'hex');
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
