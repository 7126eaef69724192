/**
 * Assembles one cell's Evidence from what the lab recorded for it, so the rules in
 * docs/detectors.md "Building Evidence" live in code: the chain split per certificate, the origin's
 * view of the cell's own request, probes, and a schema check at the end. Nothing about the box's
 * decision goes in: that is the ground truth, kept apart.
 */
import type { Observation } from '../clients/types.ts';
import { splitPem } from './certificates.ts';
import { evidenceSchema, type Evidence, type OriginClientHello } from './evidence.ts';

export interface CellInputs {
  scenario: string;
  state: string;
  client: string;
  site: string;
  attempt?: number;
  box?: string;
  observation: Observation;
  /** what the origin recorded for this cell's request, if the request reached it */
  originVisit?: { clientHello?: OriginClientHello; userAgent?: string };
  /** the chain the client was served, as the box or origin recorded it: a PEM bundle or one PEM per certificate, leaf first */
  servedChainPem?: string | readonly string[];
  originCertPem?: string;
  publicAnchorsPem: readonly string[];
  probes?: Evidence['probes'];
  keyStandIns?: Evidence['keyStandIns'];
}

export function buildEvidence(inputs: CellInputs): Evidence {
  const chainPem = inputs.servedChainPem === undefined ? [] : splitPem(inputs.servedChainPem);
  const origin: Evidence['origin'] = {};
  if (inputs.originVisit?.clientHello) origin.clientHello = inputs.originVisit.clientHello;
  if (inputs.originVisit?.userAgent) origin.userAgent = inputs.originVisit.userAgent;
  const evidence: Evidence = {
    scenario: inputs.scenario,
    state: inputs.state,
    client: inputs.client,
    site: inputs.site,
    ...(inputs.attempt !== undefined && { attempt: inputs.attempt }),
    ...(inputs.box !== undefined && { box: inputs.box }),
    observation: inputs.observation,
    origin,
    publicAnchorsPem: [...inputs.publicAnchorsPem],
  };
  if (chainPem.length > 0) evidence.chainPem = chainPem;
  if (inputs.originCertPem) evidence.originCertPem = inputs.originCertPem;
  if (inputs.probes) evidence.probes = inputs.probes;
  if (inputs.keyStandIns && inputs.keyStandIns.length > 0) evidence.keyStandIns = [...inputs.keyStandIns];
  return evidenceSchema.parse(evidence);
}
