/**
 * OpenSSL's X509_V_ERR_* numbers (include/openssl/x509_vfy.h, 3.0) for the codes an interception
 * scenario can produce. s_client prints only the number and a sentence; scenarios match the name.
 */
const NAMES: Record<number, string> = {
  2: 'UNABLE_TO_GET_ISSUER_CERT',
  4: 'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  6: 'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  7: 'CERT_SIGNATURE_FAILURE',
  9: 'CERT_NOT_YET_VALID',
  10: 'CERT_HAS_EXPIRED',
  13: 'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  14: 'ERROR_IN_CERT_NOT_AFTER_FIELD',
  18: 'DEPTH_ZERO_SELF_SIGNED_CERT',
  19: 'SELF_SIGNED_CERT_IN_CHAIN',
  20: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  21: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  22: 'CERT_CHAIN_TOO_LONG',
  23: 'CERT_REVOKED',
  24: 'NO_ISSUER_PUBLIC_KEY',
  25: 'PATH_LENGTH_EXCEEDED',
  26: 'INVALID_PURPOSE',
  27: 'CERT_UNTRUSTED',
  28: 'CERT_REJECTED',
  29: 'SUBJECT_ISSUER_MISMATCH',
  30: 'AKID_SKID_MISMATCH',
  32: 'KEYUSAGE_NO_CERTSIGN',
  34: 'UNHANDLED_CRITICAL_EXTENSION',
  37: 'INVALID_NON_CA',
  39: 'KEYUSAGE_NO_DIGITAL_SIGNATURE',
  41: 'INVALID_EXTENSION',
  47: 'PERMITTED_VIOLATION',
  48: 'EXCLUDED_VIOLATION',
  62: 'HOSTNAME_MISMATCH',
  64: 'IP_ADDRESS_MISMATCH',
  66: 'EE_KEY_TOO_SMALL',
  67: 'CA_KEY_TOO_SMALL',
  68: 'CA_MD_TOO_WEAK',
  79: 'INVALID_CA',
};

/** `X509_V_ERR_<NAME>`, or `X509_V_ERR_<number>` for a code not listed here (still stable). */
export function verifyErrorName(code: number): string {
  return `X509_V_ERR_${NAMES[code] ?? String(code)}`;
}
