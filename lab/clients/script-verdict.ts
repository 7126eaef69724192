/**
 * The one-line JSON verdict that the clients driven through a helper program (lab/clients/python/visit.py,
 * lab/clients/java/Visit.java) print, turned into an Observation with the chain they saw.
 */
import type { X509Certificate } from 'node:crypto';
import { certificateFromDer, chainSeen } from './chain.ts';
import type { Observation } from './types.ts';

export interface ScriptVerdict {
  outcome: 'loaded' | 'refused';
  status?: number;
  error?: string;
  detail?: string;
  /** base64 DER, leaf first, as the client received it */
  chain_der: string[];
}

export function observationOfVerdict(result: ScriptVerdict, anchors: X509Certificate[]): Omit<Observation, 'durationMs'> {
  const chain = chainSeen(result.chain_der.map((der) => certificateFromDer(der)), anchors);
  return {
    outcome: result.outcome,
    ...(result.status !== undefined ? { status: result.status } : {}),
    ...(result.error ? { error: result.error } : {}),
    ...(result.detail ? { detail: result.detail } : {}),
    ...(chain ? { chain, chainSource: 'client' as const } : {}),
  };
}
