/**
 * The detectors' stage, the same live and offline (`tlslab detect`): each cell's Evidence is built
 * from what was recorded for that cell (the chain its own connection was served, the origin's view
 * of its own request), detectors inspect the evidence, and scoring reads each cell's truth from its
 * row, which came from the same record — never from the evidence a detector saw.
 */
import { keyStandIns } from '../../lab/ca/index.ts';
import type { Observation } from '../../lab/clients/types.ts';
import { buildEvidence, inspectAll, scoreDetectors, type CellTruth, type Detector, type DetectorScore, type Evidence } from '../../lab/detectors/index.ts';
import { servedChain } from '../../lab/runtime/cell-truth.ts';
import type { CellRecord } from '../../lab/runtime/types.ts';
import { UserError } from '../errors.ts';
import type { TtlEvidence } from './localise.ts';
import type { ScenarioPki } from './pki.ts';
import type { ResultRow } from './results.ts';

export interface CellProbes {
  crossVantage?: { chainPem: string[] } | { skipped: string } | undefined;
  ttl?: TtlEvidence | undefined;
}

const NO_SWEEP = { skipped: 'no TTL sweep in this run (a scenario with path.localise, on the netns runtime)' };
const NO_VANTAGE = { skipped: 'no second vantage point in this run' };

export function cellEvidence(scenarioId: string, row: ResultRow, observation: Observation, record: CellRecord, pki: ScenarioPki, probes: CellProbes): Evidence {
  const rogue = pki.authorities.rogue.material;
  const visit = record.originVisits.at(-1);
  const served = servedChain(record);
  return buildEvidence({
    scenario: scenarioId,
    state: row.state,
    client: row.client,
    site: row.site,
    attempt: record.cell.attempt,
    ...(row.box !== undefined && { box: row.box }),
    observation,
    ...(visit && { originVisit: { ...(visit.clientHello && { clientHello: visit.clientHello }), ...(visit.userAgent && { userAgent: visit.userAgent }) } }),
    ...(served && { servedChainPem: served }),
    ...(record.originChainPem[0] && { originCertPem: record.originChainPem[0] }),
    publicAnchorsPem: [pki.authorities['lab-public'].material.root.certPem],
    probes: { crossVantage: probes.crossVantage ?? NO_VANTAGE, ttl: probes.ttl ?? NO_SWEEP },
    keyStandIns: keyStandIns([rogue.root.certPem, ...rogue.intermediates.map((i) => i.certPem)]),
  });
}

function cellKey(cell: { box?: string | undefined; state: string; client: string; site: string; attempt?: number | undefined }): string {
  return [cell.box ?? '', cell.state, cell.client, cell.site, cell.attempt ?? 1].join('\u0000');
}

/** Runs the detectors over one scenario's evidence and scores them with each cell's recorded truth. */
export async function scoreEvidence(detectors: readonly Detector[], evidence: readonly Evidence[], rows: readonly ResultRow[]): Promise<DetectorScore[]> {
  if (detectors.length === 0 || evidence.length === 0) return [];
  const truths = new Map<string, CellTruth>();
  for (const row of rows) if (row.truth) truths.set(cellKey(row), row.truth);
  const truthOf = (e: Evidence): CellTruth => {
    const truth = truths.get(cellKey(e));
    // evidence without a recorded truth means the files do not belong together (or a harness bug)
    if (!truth) throw new UserError(`no recorded truth for the cell ${e.state} / ${e.client} / ${e.site}: results.json and evidence.json are not from the same run`);
    return truth;
  };
  return scoreDetectors(await inspectAll(detectors, evidence), truthOf);
}

/** Scores as a live run gives them: one set per box when rows name their box (a detector × box matrix), else one. */
export async function scoreByBox(detectors: readonly Detector[], evidence: readonly Evidence[], rows: readonly ResultRow[]): Promise<DetectorScore[]> {
  const boxes = [...new Set(rows.map((r) => r.box))];
  if (boxes.every((b) => b === undefined)) return scoreEvidence(detectors, evidence, rows);
  const scores: DetectorScore[] = [];
  for (const box of boxes) {
    const boxed = await scoreEvidence(detectors, evidence.filter((e) => e.box === box), rows.filter((r) => r.box === box));
    scores.push(...boxed.map((score) => (box === undefined ? score : { ...score, box })));
  }
  return scores;
}
