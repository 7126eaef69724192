/**
 * When a client does not say which chain it was shown (a refusal that only names an error, or a
 * client with no way to print certificates), the lab still needs it for the report: a second,
 * non-verifying handshake over the same route with the same SNI.
 */
import { X509Certificate } from 'node:crypto';
import { connect as connectTls, type DetailedPeerCertificate } from 'node:tls';
import { chainSeen } from './chain.ts';
import { openRoute } from './route.ts';
import type { ChainSeen, Observation, VisitTarget } from './types.ts';

/** Leaf first; stops where a certificate names itself as issuer (Node links the root to itself). */
export function peerCertificateList(peer: DetailedPeerCertificate): X509Certificate[] {
  const list: X509Certificate[] = [];
  const seen = new Set<string>();
  let current: DetailedPeerCertificate | undefined = peer;
  while (current?.raw && !seen.has(current.fingerprint256)) {
    seen.add(current.fingerprint256);
    list.push(new X509Certificate(current.raw));
    current = current.issuerCertificate;
  }
  return list;
}

export async function probeChain(target: VisitTarget, anchors: X509Certificate[] = []): Promise<ChainSeen | undefined> {
  const timeoutMs = Math.min(target.timeoutMs, 10_000);
  let socket;
  try {
    socket = await openRoute(target, timeoutMs);
  } catch {
    return undefined;
  }
  return new Promise((resolve) => {
    const tls = connectTls({ socket, servername: target.site, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    function finish(chain: ChainSeen | undefined): void {
      clearTimeout(timer);
      tls.destroy();
      resolve(chain);
    }
    tls.once('secureConnect', () => finish(chainSeen(peerCertificateList(tls.getPeerCertificate(true)), anchors)));
    tls.once('error', () => finish(undefined));
  });
}

/**
 * Fills in the chain from the probe when the client's own output had none: refusals that do not
 * say what was shown, and clients that never print a chain at all (wget).
 */
export async function withProbedChain(
  observation: Observation,
  target: VisitTarget,
  anchors: X509Certificate[],
): Promise<Observation> {
  if (observation.chain || (observation.outcome !== 'refused' && observation.outcome !== 'loaded')) return observation;
  // A server that let the client time out would only make the probe wait as long again.
  if (observation.error === 'timeout') return observation;
  const chain = await probeChain(target, anchors);
  return chain ? { ...observation, chain, chainSource: 'probe' } : observation;
}
