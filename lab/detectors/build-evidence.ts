/**
 * Assembles one cell's Evidence from what the harness has at hand, so the rules in
 * docs/detectors.md "Building Evidence" live in code: truth from the engine's decision, the
 * engine view from its events, the chain split per certificate, and a schema check at the end.
 */
import type { Observation } from '../clients/types.ts';
import type { EngineEvent } from '../proxy/types.ts';
import { splitPem } from './certificates.ts';
import { engineViewFromEvents } from './engine-view.ts';
import { evidenceSchema, type Evidence, type OriginClientHello } from './evidence.ts';

export interface CellInputs {
  scenario: string;
  state: string;
  client: string;
  site: string;
  observation: Observation;
  /** the engine's events for this cell (all of the run's also work: the site's last connection is used) */
  engineEvents: readonly EngineEvent[];
  /** what the origin recorded for this cell's request, if the request reached it */
  originVisit?: { clientHello?: OriginClientHello; userAgent?: string };
  /** the chain the client was served: a PEM bundle or one PEM per certificate, leaf first */
  servedChainPem?: string | readonly string[];
  originCertPem?: string;
  publicAnchorsPem: readonly string[];
  probes?: Evidence['probes'];
  keyStandIns?: Evidence['keyStandIns'];
  /** overrides the truth derived from the engine (a runtime that knows better, e.g. a foreign box) */
  intercepted?: boolean;
}

export function buildEvidence(inputs: CellInputs): Evidence {
  const engine = engineViewFromEvents(inputs.engineEvents, inputs.site);
  const chainPem = inputs.servedChainPem === undefined ? [] : splitPem(inputs.servedChainPem);
  const origin: Evidence['origin'] = {};
  if (inputs.originVisit?.clientHello) origin.clientHello = inputs.originVisit.clientHello;
  if (inputs.originVisit?.userAgent) origin.userAgent = inputs.originVisit.userAgent;
  const evidence: Evidence = {
    scenario: inputs.scenario,
    state: inputs.state,
    client: inputs.client,
    site: inputs.site,
    groundTruth: { intercepted: inputs.intercepted ?? engine.decision?.action === 'intercept' },
    observation: inputs.observation,
    engine,
    origin,
    publicAnchorsPem: [...inputs.publicAnchorsPem],
  };
  if (chainPem.length > 0) evidence.chainPem = chainPem;
  if (inputs.originCertPem) evidence.originCertPem = inputs.originCertPem;
  if (inputs.probes) evidence.probes = inputs.probes;
  if (inputs.keyStandIns && inputs.keyStandIns.length > 0) evidence.keyStandIns = [...inputs.keyStandIns];
  return evidenceSchema.parse(evidence);
}
