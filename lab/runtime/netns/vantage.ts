/**
 * Hyperquack's second vantage point, inside the lab: a handshake for the site from the lab's DNS
 * host, which sits on the origins' side of the gateway. Its flows enter the gateway on an origin
 * link, where no interception rule matches (rules match the client-facing interfaces only), so
 * the chain it gets is the one the origin really serves, whatever the box does to subscribers.
 */
import type { NetnsLab } from './lab.ts';
import { splitPem } from '../../ca/pem-text.ts';

export async function vantageChain(lab: NetnsLab, originAddress: string, site: string): Promise<string[] | { skipped: string }> {
  const r = await lab.run(lab.plan.dns, ['openssl', 's_client', '-connect', `${originAddress}:443`, '-servername', site, '-showcerts'], {
    check: false,
    input: '',
    timeoutMs: 10_000,
  });
  const chain = splitPem(r.stdout);
  if (chain.length > 0) return chain;
  return { skipped: `openssl s_client from the lab's dns host got no certificate from ${site} (${originAddress}): ${(r.stderr || r.stdout).trim().split('\n').slice(-1)[0] ?? `exit ${r.code}`}` };
}
