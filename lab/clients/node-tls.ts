/**
 * Trust and pinning for the two in-process Node clients (https and undici): the lab's anchors as
 * `ca` (which replaces Node's bundled roots and, verified on Node 20, ignores NODE_EXTRA_CA_CERTS),
 * and a checkServerIdentity that pins on the verified chain's SPKIs after the name check.
 */
import { readFileSync } from 'node:fs';
import { checkServerIdentity as checkName, type ConnectionOptions, type PeerCertificate, type DetailedPeerCertificate } from 'node:tls';
import type { X509Certificate } from 'node:crypto';
import { chainSeen, chainSpkiHashes } from './chain.ts';
import { peerCertificateList } from './probe.ts';
import type { ChainSeen, Observation, TrustState } from './types.ts';

/** Node has no pinning error of its own; this code reads like its ERR_TLS_CERT_ALTNAME_INVALID. */
export const PIN_MISMATCH_CODE = 'ERR_TLS_CERT_PIN_MISMATCH';

export interface NodeTrust {
  ca: string[];
  /** filled by the identity check: the verified chain, leaf first (Node only calls it on success) */
  lastVerifiedChain?: ChainSeen;
  checkServerIdentity(hostname: string, certificate: PeerCertificate): Error | undefined;
}

export function nodeTrust(state: TrustState, anchors: X509Certificate[]): NodeTrust {
  const pins = new Set(state.pins ?? []);
  const trust: NodeTrust = {
    ca: state.anchors.map((path) => readFileSync(path, 'utf8')),
    checkServerIdentity(hostname, certificate) {
      const verified = peerCertificateList(certificate as DetailedPeerCertificate);
      trust.lastVerifiedChain = chainSeen(verified, anchors);
      const nameError = checkName(hostname, certificate);
      if (nameError) return nameError;
      if (pins.size === 0) return undefined;
      if (chainSpkiHashes(verified, anchors).some((hash) => pins.has(hash))) return undefined;
      return Object.assign(new Error(`no certificate in the verified chain for ${hostname} has a pinned SPKI`), {
        code: PIN_MISMATCH_CODE,
      });
    },
  };
  return trust;
}

export function tlsOptions(trust: NodeTrust, site: string): ConnectionOptions {
  return {
    servername: site,
    ca: trust.ca,
    checkServerIdentity: trust.checkServerIdentity,
    // no ALPNProtocols: node:https sends none, and detectors fingerprint the ClientHello
  };
}

export function errorCode(error: unknown): string {
  let current: unknown = error;
  // fetch wraps the socket's error: TypeError('fetch failed', { cause })
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as NodeJS.ErrnoException).code;
    if (code && code !== 'UND_ERR_SOCKET') return code;
    current = current.cause;
  }
  return error instanceof Error ? error.name : String(error);
}

export function errorMessage(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    parts.push(current.message);
    current = current.cause;
  }
  return parts.join(' <- ');
}

/** The verdict of an in-process visit, with the chain Node verified (if the handshake got that far). */
export function nodeVerdict(trust: NodeTrust, result: { status: number } | { error: unknown }): Omit<Observation, 'durationMs'> {
  const chain = trust.lastVerifiedChain;
  const seen = chain ? { chain, chainSource: 'client' as const } : {};
  if ('status' in result) return { outcome: 'loaded', status: result.status, ...seen };
  return { outcome: 'refused', error: errorCode(result.error), detail: errorMessage(result.error), ...seen };
}
