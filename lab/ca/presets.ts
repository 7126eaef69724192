/**
 * Authority presets. The national ones copy every field of the real root (docs/campaigns.md §1.5,
 * §1.9 and test/fixtures/real-roots) except the key, which is fresh on every call: nobody
 * outside the issuer has the real private keys.
 */
import { x509 } from './x509.ts';
import { mintIntermediate, mintRoot, intermediateExtensions, CA_KEY_USAGE, type CaIdentifiers, type MintedCa } from './ca-builder.ts';
import { authorityKeyIdentifier, nameConstraints } from './extensions.ts';
import { parseDistinguishedName, printableName } from './names.ts';
import { KEY_TYPES, type KeyType } from './keys.ts';
import { randomSerialHex } from './sign.ts';
import type { AuthorityMaterial } from './types.ts';
import { UserError } from '../errors.ts';

export const PRESETS = ['qaznet-2019', 'isca-2020', 'isca-2024', 'lab-public', 'generic'] as const;
export type PresetName = (typeof PRESETS)[number];

export interface GenericCaOptions {
  /** RFC 4514 text, e.g. "CN=Corp Inspection CA, O=Corp, C=US" */
  subject?: string;
  keyType?: KeyType;
  validityDays?: number;
  permittedDns?: string[];
  excludedDns?: string[];
  pathLen?: number;
}

export interface CreateAuthorityOptions {
  /** clock for the dates that are relative (intermediates, generic); default: now */
  now?: Date;
  generic?: GenericCaOptions;
}

const DAY_MS = 86_400_000;
const KZ_2019_INTERMEDIATE_DAYS = 3 * 365;
const ISCA_INTERMEDIATE_DAYS = 75;
const GENERIC_DEFAULT_DAYS = 30;

export function isPresetName(value: string): value is PresetName {
  return (PRESETS as readonly string[]).includes(value);
}

export function assertPresetName(value: string): PresetName {
  if (!isPresetName(value)) {
    throw new UserError(`unknown preset "${value}"; valid presets: ${PRESETS.join(', ')}`);
  }
  return value;
}

export async function createAuthority(preset: string, opts: CreateAuthorityOptions = {}): Promise<AuthorityMaterial> {
  const name = assertPresetName(preset);
  const now = opts.now ?? new Date();
  switch (name) {
    case 'qaznet-2019':
      return qaznet2019(now);
    case 'isca-2020':
      return isca(name, ISCA_2020_ROOT, now);
    case 'isca-2024':
      return isca(name, ISCA_2024_ROOT, now);
    case 'lab-public':
      return labPublic(now);
    case 'generic':
      return generic(opts.generic ?? {}, now);
  }
}

function material(preset: PresetName, root: MintedCa, intermediates: MintedCa[]): AuthorityMaterial {
  return { preset, root: root.keyed, intermediates: intermediates.map((ca) => ca.keyed) };
}

/** The intermediates' real dates are not public (or long expired); they start a day before `now`. */
function freshWindow(now: Date, days: number): { notBefore: Date; notAfter: Date } {
  const notBefore = new Date(Math.floor(now.getTime() / 1000) * 1000 - DAY_MS);
  return { notBefore, notAfter: new Date(notBefore.getTime() + days * DAY_MS) };
}

export const QAZNET_2019_ROOT = {
  subject: [['C', 'KZ'], ['CN', 'Qaznet Trust Network']] as const,
  serialHex: '3d957fca1f8c0fc8692c01994eb55231035b9df1',
  notBefore: new Date('2016-02-02T05:41:00Z'),
  notAfter: new Date('2046-02-02T05:41:00Z'),
};

async function qaznet2019(now: Date): Promise<AuthorityMaterial> {
  const root = await mintRoot({
    subject: printableName(QAZNET_2019_ROOT.subject),
    serialHex: QAZNET_2019_ROOT.serialHex,
    notBefore: QAZNET_2019_ROOT.notBefore,
    notAfter: QAZNET_2019_ROOT.notAfter,
    key: { type: 'rsa4096' },
    // order as in the real root: BC, SKI, AKI(keyid), KU
    extensions: (ids) => [
      new x509.BasicConstraintsExtension(true, undefined, true),
      ids.subjectKeyIdentifier,
      ids.authorityKeyIdentifier,
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.nonRepudiation | CA_KEY_USAGE, true),
    ],
  });
  const securityCertificate = await mintIntermediate(
    {
      subject: printableName([['C', 'KZ'], ['CN', 'Security Certificate']]),
      serialHex: randomSerialHex(),
      ...freshWindow(now, KZ_2019_INTERMEDIATE_DAYS),
      key: { type: 'rsa2048' },
      extensions: intermediateExtensions,
    },
    root,
  );
  return material('qaznet-2019', root, [securityCertificate]);
}

interface IscaRoot {
  commonName: string;
  serialHex: string;
  notBefore: Date;
  notAfter: Date;
}

/** Dec-2020 root (Chromium blocklist 61c0fc2e…, Mozilla bug 1680927); fixture isca-2020.pem. */
export const ISCA_2020_ROOT: IscaRoot = {
  commonName: 'Information Security Certification Authority CA',
  serialHex: '287dce0ce3c6f7aaa33ff965e76ea98c824a59db',
  notBefore: new Date('2020-02-28T04:08:03Z'),
  notAfter: new Date('2040-02-28T04:08:03Z'),
};

/**
 * The root downloadable from isca.gov.kz and behind the 2024 intermediates (Chromium blocklist
 * 3472e4f1…, docs/campaigns.md §1.9). Only the date of its notAfter is recorded; the time of day
 * is assumed to equal notBefore's, as on every other ISCA root.
 */
export const ISCA_2024_ROOT: IscaRoot = {
  commonName: 'Information Security Certification Authority',
  serialHex: '6c47089c34a88e43dde0dee30661558da9cb2e70',
  notBefore: new Date('2020-02-28T07:04:41Z'),
  notAfter: new Date('2050-02-28T07:04:41Z'),
};

async function isca(preset: 'isca-2020' | 'isca-2024', facts: IscaRoot, now: Date): Promise<AuthorityMaterial> {
  const subject = printableName([['CN', facts.commonName], ['O', 'ISCA'], ['C', 'KZ']]);
  const root = await mintRoot({
    subject,
    serialHex: facts.serialHex,
    notBefore: facts.notBefore,
    notAfter: facts.notAfter,
    key: { type: 'rsa4096' },
    // order as in the real root: BC, KU, SKI, AKI(keyid + issuer + serial)
    extensions: (ids: CaIdentifiers) => [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(CA_KEY_USAGE, true),
      ids.subjectKeyIdentifier,
      authorityKeyIdentifier(ids.issuerSpkiDer, { issuer: ids.issuer, serialHex: ids.issuerSerialHex }),
    ],
  });
  // OONI saw 75-day intermediates issued by "C=KZ, O=ISCA, CN=Information Security Certification
  // Authority"; their own subject is not recorded, so this one says what it is.
  const intermediate = await mintIntermediate(
    {
      subject: printableName([['C', 'KZ'], ['O', 'ISCA'], ['CN', 'ISCA Issuing CA (lab)']]),
      serialHex: randomSerialHex(),
      ...freshWindow(now, ISCA_INTERMEDIATE_DAYS),
      key: { type: 'rsa2048' },
      extensions: intermediateExtensions,
    },
    root,
  );
  return material(preset, root, [intermediate]);
}

/** The lab's stand-in for the public web PKI: an EC root and an issuing CA that sign origins. */
async function labPublic(now: Date): Promise<AuthorityMaterial> {
  const root = await mintRoot({
    subject: printableName([['C', 'XX'], ['O', 'TLS Interception Lab'], ['CN', 'Lab Public Root R1']]),
    serialHex: randomSerialHex(),
    ...freshWindow(now, 10 * 365),
    key: { type: 'ecdsa-p384' },
    extensions: (ids) => [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(CA_KEY_USAGE, true),
      ids.subjectKeyIdentifier,
    ],
  });
  const issuing = await mintIntermediate(
    {
      subject: printableName([['C', 'XX'], ['O', 'TLS Interception Lab'], ['CN', 'Lab Public Issuing CA E1']]),
      serialHex: randomSerialHex(),
      ...freshWindow(now, 5 * 365),
      key: { type: 'ecdsa-p256' },
      extensions: intermediateExtensions,
    },
    root,
  );
  return material('lab-public', root, [issuing]);
}

async function generic(options: GenericCaOptions, now: Date): Promise<AuthorityMaterial> {
  const keyType = options.keyType ?? 'ecdsa-p256';
  if (!(KEY_TYPES as readonly string[]).includes(keyType)) {
    throw new UserError(`unknown key type "${keyType}"; valid: ${KEY_TYPES.join(', ')}`);
  }
  const days = options.validityDays ?? GENERIC_DEFAULT_DAYS;
  if (!Number.isInteger(days) || days < 1) throw new UserError(`validity must be a whole number of days ≥ 1, got ${days}`);
  if (options.pathLen !== undefined && (!Number.isInteger(options.pathLen) || options.pathLen < 0)) {
    throw new UserError(`pathLen must be a whole number ≥ 0, got ${options.pathLen}`);
  }
  const permitted = options.permittedDns ?? [];
  const excluded = options.excludedDns ?? [];
  const root = await mintRoot({
    subject: parseDistinguishedName(options.subject ?? 'CN=Generic Interception CA, O=TLS Interception Lab, C=XX'),
    serialHex: randomSerialHex(),
    ...freshWindow(now, days),
    key: { type: keyType },
    extensions: (ids) => [
      new x509.BasicConstraintsExtension(true, options.pathLen, true),
      new x509.KeyUsagesExtension(CA_KEY_USAGE | x509.KeyUsageFlags.digitalSignature, true),
      ids.subjectKeyIdentifier,
      ...(permitted.length + excluded.length > 0 ? [nameConstraints(permitted, excluded)] : []),
    ],
  });
  return material('generic', root, []);
}
