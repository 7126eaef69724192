/**
 * Key pairs for authorities and leaves. Generation goes through node:crypto (async, on the
 * libuv thread pool) because WebCrypto cannot make RSA keys with e=3 or choose the exponent.
 */
import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { UserError } from '../errors.ts';

const generateKeyPairAsync = promisify(generateKeyPair);

export const KEY_TYPES = ['rsa2048', 'rsa3072', 'rsa4096', 'ecdsa-p256', 'ecdsa-p384', 'ed25519'] as const;
export type KeyType = (typeof KEY_TYPES)[number];

export interface KeySpec {
  type: KeyType;
  /** RSA only; 65537 unless a profile imitates a box that used something else (kz-2019: 3) */
  publicExponent?: number;
  /** RSA only; overrides the size implied by `type` (kz-2019 before 2019-07-19: 1024) */
  modulusLength?: number;
}

/** A generated or loaded key pair in the forms the lab needs: PEM for files, SPKI DER for certs. */
export interface LabKeyPair {
  privateKeyPem: string;
  spkiDer: Buffer;
  /** how this key signs (picks the certificate signature algorithm) */
  algorithm: SigningAlgorithm;
}

export type SigningAlgorithm =
  | { name: 'RSASSA-PKCS1-v1_5'; hash: 'SHA-256' }
  | { name: 'ECDSA'; namedCurve: 'P-256' | 'P-384'; hash: 'SHA-256' | 'SHA-384' }
  | { name: 'Ed25519' };

export function isKeyType(value: string): value is KeyType {
  return (KEY_TYPES as readonly string[]).includes(value);
}

export function parseKeyType(value: string): KeyType {
  if (!isKeyType(value)) {
    throw new UserError(`unknown key type "${value}"; valid: ${KEY_TYPES.join(', ')}`);
  }
  return value;
}

export async function generateLabKeyPair(spec: KeySpec): Promise<LabKeyPair> {
  const { privateKey } = await generateNodeKeyPair(spec);
  return fromPrivateKeyObject(privateKey);
}

async function generateNodeKeyPair(spec: KeySpec): Promise<{ privateKey: KeyObject }> {
  switch (spec.type) {
    case 'rsa2048':
    case 'rsa3072':
    case 'rsa4096':
      return generateKeyPairAsync('rsa', {
        modulusLength: spec.modulusLength ?? Number(spec.type.slice(3)),
        publicExponent: spec.publicExponent ?? 65537,
      });
    case 'ecdsa-p256':
      return generateKeyPairAsync('ec', { namedCurve: 'prime256v1' });
    case 'ecdsa-p384':
      return generateKeyPairAsync('ec', { namedCurve: 'secp384r1' });
    case 'ed25519':
      return generateKeyPairAsync('ed25519');
  }
}

export function fromPrivateKeyObject(privateKey: KeyObject): LabKeyPair {
  const publicKey = createPublicKey(privateKey);
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    spkiDer: publicKey.export({ type: 'spki', format: 'der' }),
    algorithm: signingAlgorithmOf(privateKey),
  };
}

export function loadLabKeyPair(pem: string, source = 'key'): LabKeyPair {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (err) {
    throw new UserError(`${source}: not a readable private key (${(err as Error).message})`);
  }
  return fromPrivateKeyObject(key);
}

function signingAlgorithmOf(key: KeyObject): SigningAlgorithm {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      if (curve === 'prime256v1') return { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
      if (curve === 'secp384r1') return { name: 'ECDSA', namedCurve: 'P-384', hash: 'SHA-384' };
      throw new UserError(`unsupported EC curve ${curve ?? '(unknown)'}`);
    }
    case 'ed25519':
      return { name: 'Ed25519' };
    default:
      throw new UserError(`unsupported key type ${key.asymmetricKeyType ?? '(unknown)'}`);
  }
}
