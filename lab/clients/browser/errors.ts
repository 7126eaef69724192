/** Pulling the browser's own error code out of whatever the automation API threw. */

const CHROMIUM_NET_ERROR = /net::ERR_[A-Z0-9_]+/;
const FIREFOX_SECURITY_ERROR = /\b(SEC_ERROR_\w+|MOZILLA_PKIX_ERROR_\w+|SSL_ERROR_\w+)\b/;
const FIREFOX_NETWORK_ERROR = /\b(NS_ERROR_\w+)\b/;

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function chromiumNetError(error: unknown): string | undefined {
  return errorMessage(error).match(CHROMIUM_NET_ERROR)?.[0];
}

/** the security code when there is one (NS_ERROR_GENERATE_FAILURE wraps it), else the NS_ERROR_ */
export function firefoxError(error: unknown): string | undefined {
  const message = errorMessage(error);
  return message.match(FIREFOX_SECURITY_ERROR)?.[1] ?? message.match(FIREFOX_NETWORK_ERROR)?.[1];
}

export function isTimeout(error: unknown): boolean {
  return /timeout|timed out/i.test(errorMessage(error));
}
