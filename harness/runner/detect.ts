/**
 * Scores detectors over one scenario's cells. The ground truth is the engine's own decision per
 * site; the chain a cell was served is recovered exactly: the origin's chain on passthrough, and
 * on interception the forger's cached leaf for the same SNI and upstream certificate.
 */
import { X509Certificate } from 'node:crypto';
import { keyStandIns } from '../../lab/ca/index.ts';
import type { Observation } from '../../lab/clients/types.ts';
import {
  buildEvidence,
  inspectAll,
  scoreDetectors,
  splitPem,
  type Detector,
  type DetectorScore,
  type Evidence as DetectorEvidence,
} from '../../lab/detectors/index.ts';
import type { Lab, LabEngineEvent } from '../../lab/runtime/types.ts';
import type { TtlEvidence } from './localise.ts';
import { visitOfCell } from './cell-tag.ts';
import type { ScenarioPki } from './pki.ts';
import type { ResultRow } from './results.ts';

function observationOf(row: ResultRow): Observation {
  const { chain } = row.actual;
  return {
    outcome: row.actual.outcome,
    ...(row.actual.error !== null && { error: row.actual.error }),
    ...(chain && {
      chain: {
        leafSubject: chain.leafSubject,
        issuer: chain.issuer,
        leafSpkiSha256: chain.leafSpkiSha256,
        ...(chain.rootSpkiSha256 !== null && { rootSpkiSha256: chain.rootSpkiSha256 }),
      },
    }),
    durationMs: 0,
  };
}

async function servedChains(pki: ScenarioPki, events: readonly LabEngineEvent[], sites: readonly string[]): Promise<Map<string, { served: string; origin: string }>> {
  const chains = new Map<string, { served: string; origin: string }>();
  for (const origin of pki.origins) {
    if (!sites.includes(origin.name)) continue;
    const originLeaf = splitPem(origin.chainPem)[0] ?? origin.chainPem;
    const intercepted = events.some((e) => e.type === 'decision' && e.sni === origin.name && e.action === 'intercept');
    let served = origin.chainPem;
    if (intercepted && pki.forger) {
      const upstreamDer = new X509Certificate(originLeaf).raw;
      served = (await pki.forger.forge({ sni: origin.name, upstreamDer })).chainPem;
    }
    chains.set(origin.name, { served, origin: originLeaf });
  }
  return chains;
}

export interface LabFindings {
  /** the engine's events from the clients' visits only (probes sent afterwards left out) */
  engineEvents: readonly LabEngineEvent[];
  /** per site, from the runtime's TTL sweeps; absent: this runtime has no routers to probe through */
  ttlBySite?: ReadonlyMap<string, TtlEvidence>;
}

export async function scoreScenario(
  scenarioId: string,
  rows: readonly ResultRow[],
  detectors: readonly Detector[],
  pki: ScenarioPki,
  lab: Lab,
  findings: LabFindings = { engineEvents: lab.engineEvents() },
): Promise<DetectorScore[]> {
  const ran = rows.filter((r) => r.skipped === undefined);
  if (detectors.length === 0 || ran.length === 0) return [];
  const { engineEvents } = findings;
  const chains = await servedChains(pki, engineEvents, [...new Set(ran.map((r) => r.site))]);
  const publicAnchorsPem = [pki.authorities['lab-public'].material.root.certPem];
  const rogue = pki.authorities.rogue.material;
  const standIns = keyStandIns([rogue.root.certPem, ...rogue.intermediates.map((i) => i.certPem)]);
  const noVantage = { skipped: `${lab.runtime} runtime: no second vantage point to fetch the chain from` };
  const noSweep = { skipped: 'no TTL sweep in this run (a scenario with path.localise, on the netns runtime)' };
  const evidences: DetectorEvidence[] = ran.map((row) => {
    const chain = chains.get(row.site);
    const visit = visitOfCell(lab.originView(row.site), row.state, row.client);
    return buildEvidence({
      scenario: scenarioId,
      state: row.state,
      client: row.client,
      site: row.site,
      observation: observationOf(row),
      engineEvents,
      ...(visit && { originVisit: { ...(visit.clientHello && { clientHello: visit.clientHello }), ...(visit.userAgent && { userAgent: visit.userAgent }) } }),
      ...(chain && { servedChainPem: chain.served, originCertPem: chain.origin }),
      publicAnchorsPem,
      probes: { crossVantage: noVantage, ttl: findings.ttlBySite?.get(row.site) ?? noSweep },
      keyStandIns: standIns,
    });
  });
  return scoreDetectors(await inspectAll(detectors, evidences));
}
