/**
 * When a client does not say which chain it was shown (a refusal that only names an error, or a
 * client with no way to print certificates), the lab still needs it for the report: a second,
 * non-verifying handshake over the same route with the same SNI.
 */
import { X509Certificate } from 'node:crypto';
import { connect as connectTls, type DetailedPeerCertificate } from 'node:tls';
import { certificatesFromPem, chainSeen } from './chain.ts';
import { runClient } from './process.ts';
import { authority, openRoute, urlPort } from './route.ts';
import type { ChainSeen, ClientLauncher, Observation, VisitTarget } from './types.ts';

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

export async function probeChain(target: VisitTarget, anchors: X509Certificate[] = [], launcher?: ClientLauncher): Promise<ChainSeen | undefined> {
  const timeoutMs = Math.min(target.timeoutMs, 10_000);
  if (launcher) return probeChainInLab(target, anchors, launcher, timeoutMs);
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
 * The same probe where the harness's own sockets must not go: s_client started through the
 * lab's launcher, stdin closed at once so it ends right after printing the handshake.
 */
async function probeChainInLab(target: VisitTarget, anchors: X509Certificate[], launcher: ClientLauncher, timeoutMs: number): Promise<ChainSeen | undefined> {
  const { route } = target;
  const connect = route.kind === 'direct'
    ? ['-connect', authority(route.host, route.port)]
    : ['-connect', authority(target.site, urlPort(target.url)), '-proxy', authority(route.host, route.port)];
  const run = await runClient('openssl', ['s_client', ...connect, '-servername', target.site, '-showcerts'], { timeoutMs, launcher });
  const start = run.stdout.indexOf('Certificate chain');
  if (start < 0) return undefined;
  const end = run.stdout.indexOf('\n---\n', start);
  return chainSeen(certificatesFromPem(run.stdout.slice(start, end >= 0 ? end : undefined)), anchors);
}

/**
 * Fills in the chain from the probe when the client's own output had none: refusals that do not
 * say what was shown, and clients that never print a chain at all (wget).
 */
export async function withProbedChain(
  observation: Observation,
  target: VisitTarget,
  anchors: X509Certificate[],
  launcher?: ClientLauncher,
): Promise<Observation> {
  if (observation.chain || (observation.outcome !== 'refused' && observation.outcome !== 'loaded')) return observation;
  // A server that let the client time out would only make the probe wait as long again.
  if (observation.error === 'timeout') return observation;
  const chain = await probeChain(target, anchors, launcher);
  return chain ? { ...observation, chain, chainSource: 'probe' } : observation;
}
