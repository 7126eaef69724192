/**
 * ttl-hop (Raman et al. §4.1.2): send the ClientHello with a growing IP TTL; if a certificate comes
 * back before the packet can reach the origin, something on the path answered for it. Only the
 * netns runtime has routers that decrement TTL, so elsewhere the probe is skipped.
 */
import type { Evidence } from '../evidence.ts';
import { clear, flag, skip, type Detector, type Finding } from '../types.ts';

export function ttlHopDetector(): Detector {
  return {
    name: 'ttl-hop',
    description: 'the TLS answer came from a hop before the origin (TTL-limited ClientHello)',
    inspect: inspectTtl,
  };
}

function inspectTtl(evidence: Evidence): Finding {
  const probe = evidence.probes?.ttl;
  if (!probe) return skip('no TTL probe in the evidence (needs the netns runtime)');
  if ('skipped' in probe) return skip(`TTL probe skipped: ${probe.skipped}`);
  if (probe.interceptorHop === null) return skip('TTL probe drew no certificate at any TTL');
  if (probe.interceptorHop < probe.originHop) {
    return flag(0.95, `a certificate came back at TTL ${probe.interceptorHop}, ${probe.originHop - probe.interceptorHop} hop(s) before the origin (hop ${probe.originHop})`);
  }
  return clear(0.9, `the first certificate came back at TTL ${probe.interceptorHop}, the origin's own hop`);
}
