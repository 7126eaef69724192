/**
 * A CRL from an authority's issuing CA: what a revocation-checking box would fetch from an origin
 * certificate's CRL distribution point. Signed through WebCrypto because @peculiar/x509's CRL
 * generator wants a CryptoKey; CRLs are made once per measurement, so speed does not matter here.
 */
import { webcrypto } from 'node:crypto';
import { x509 } from './x509.ts';
import { openAuthority } from './issuing.ts';
import type { AuthorityMaterial } from './types.ts';
import type { SigningAlgorithm } from './keys.ts';

function importParameters(algorithm: SigningAlgorithm): { key: RsaHashedImportParams | EcKeyImportParams | Algorithm; sign: Algorithm | EcdsaParams } {
  switch (algorithm.name) {
    case 'RSASSA-PKCS1-v1_5':
      return { key: { name: algorithm.name, hash: 'SHA-256' }, sign: { name: algorithm.name, hash: 'SHA-256' } as Algorithm };
    case 'ECDSA':
      return { key: { name: 'ECDSA', namedCurve: algorithm.namedCurve }, sign: { name: 'ECDSA', hash: algorithm.hash } as EcdsaParams };
    default:
      return { key: { name: 'Ed25519' }, sign: { name: 'Ed25519' } };
  }
}

/** DER of a CRL, valid for a day from `now`, listing `revokedSerialsHex` as key compromise */
export async function issueCrl(authority: AuthorityMaterial, revokedSerialsHex: readonly string[], now = new Date()): Promise<Buffer> {
  const { signer } = await openAuthority(authority);
  const parameters = importParameters(signer.algorithm);
  const pkcs8 = signer.key.export({ type: 'pkcs8', format: 'der' });
  const signingKey = await webcrypto.subtle.importKey('pkcs8', pkcs8, parameters.key, false, ['sign']);
  const crl = await x509.X509CrlGenerator.create({
    issuer: signer.certificate!.subject,
    thisUpdate: new Date(now.getTime() - 60_000),
    nextUpdate: new Date(now.getTime() + 86_400_000),
    signingAlgorithm: parameters.sign,
    signingKey,
    entries: revokedSerialsHex.map((serialNumber) => ({ serialNumber, revocationDate: new Date(now.getTime() - 60_000), reason: x509.X509CrlReason.keyCompromise })),
  });
  return Buffer.from(crl.rawData);
}
