/**
 * Turning socket and TLS errors into the typed failure cause detectors reason about:
 * did the client reject our certificate, did a peer vanish, or did the protocol break?
 */
import type { HandshakeFailureCause } from './types.ts';

/** TLS alert descriptions (RFC 8446 §6) that OpenSSL reports as "SSL alert number N". */
const ALERTS: Record<number, string> = {
  0: 'close_notify',
  10: 'unexpected_message',
  20: 'bad_record_mac',
  22: 'record_overflow',
  40: 'handshake_failure',
  42: 'bad_certificate',
  43: 'unsupported_certificate',
  44: 'certificate_revoked',
  45: 'certificate_expired',
  46: 'certificate_unknown',
  47: 'illegal_parameter',
  48: 'unknown_ca',
  49: 'access_denied',
  50: 'decode_error',
  51: 'decrypt_error',
  70: 'protocol_version',
  71: 'insufficient_security',
  80: 'internal_error',
  86: 'inappropriate_fallback',
  90: 'user_canceled',
  109: 'missing_extension',
  110: 'unsupported_extension',
  112: 'unrecognized_name',
  113: 'bad_certificate_status_response',
  116: 'certificate_required',
  120: 'no_application_protocol',
};

/** Alerts by which a peer says "I do not accept the certificate you showed me". */
const CERTIFICATE_ALERTS = new Set([42, 43, 44, 45, 46, 48]);

/** Node's verification error codes for a certificate the engine itself did not accept. */
const CERTIFICATE_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'INVALID_CA',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export interface ClassifiedFailure {
  cause: HandshakeFailureCause;
  alert?: string;
  message: string;
}

export function classifyFailure(err: unknown): ClassifiedFailure {
  const e = err as Partial<NodeJS.ErrnoException> & { message?: string };
  const message = e?.message ?? String(err);
  const code = e?.code ?? '';
  const alertNumber = /SSL alert number (\d+)/.exec(message)?.[1];
  if (alertNumber !== undefined) {
    const n = Number(alertNumber);
    const alert = ALERTS[n] ?? `alert_${n}`;
    return { cause: CERTIFICATE_ALERTS.has(n) ? 'cert-rejected' : 'protocol', alert, message };
  }
  if (CERTIFICATE_CODES.has(code)) return { cause: 'cert-rejected', alert: code, message };
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ECONNREFUSED' || code === 'ECONNABORTED') {
    return { cause: 'reset', message: code === 'ECONNREFUSED' ? `connection refused (${message})` : message };
  }
  if (code === 'ETIMEDOUT' || code === 'ERR_TLS_HANDSHAKE_TIMEOUT') return { cause: 'timeout', message };
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code.startsWith('ERR_SSL_') || /SSL routines/.test(message)) {
    return { cause: 'protocol', message };
  }
  if (/socket disconnected|socket hang up|closed/i.test(message)) return { cause: 'closed', message };
  return { cause: 'protocol', message };
}
