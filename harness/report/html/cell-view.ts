/**
 * Everything the report shows of one cell, joined from the run's own records: the row (verdict,
 * truth, artefacts, capture), the cell's evidence (the chain it was served, the origin's view),
 * its record (the box's events, the origin's real chain) and each detector's finding. Nothing is
 * recomputed: a panel shows what the run wrote down.
 */
import type { Evidence, ScoredCell } from '../../../lab/detectors/index.ts';
import type { RecordsReport } from '../../runner/records.ts';
import type { ResultRow } from '../../runner/results.ts';
import type { ScenarioRun } from '../../runner/run-scenario.ts';
import { statusOf, type CellStatus } from '../cells.ts';

export type CellRecordView = RecordsReport['cells'][number];

export interface Finding extends ScoredCell {
  detector: string;
}

export interface CellView {
  /** unique in the document: s<scenario index>-<row index> */
  id: string;
  scenario: string;
  row: ResultRow;
  status: CellStatus;
  evidence?: Evidence;
  record?: CellRecordView;
  /** the chain the client was served, leaf first, and where the report found it */
  served?: { pem: string[]; from: 'evidence' | 'record' };
  /** the origin's real chain, leaf first */
  origin?: { pem: string[]; from: 'record' | 'evidence' | 'vantage' };
  findings: Finding[];
}

const sameCell = (a: { state: string; client: string; site: string }, b: { state: string; client: string; site: string }) =>
  a.state === b.state && a.client === b.client && a.site === b.site;

function servedByRecord(record: CellRecordView | undefined): string[] | undefined {
  for (const connection of record?.connections ?? []) {
    for (const event of connection.events) if (event.type === 'served' && event.chainPem?.length) return event.chainPem;
  }
  return undefined;
}

function originChain(evidence: Evidence | undefined, record: CellRecordView | undefined): CellView['origin'] {
  if (record?.originChainPem.length) return { pem: record.originChainPem, from: 'record' };
  const vantage = evidence?.probes?.crossVantage;
  if (vantage && 'chainPem' in vantage) return { pem: vantage.chainPem, from: 'vantage' };
  if (evidence?.originCertPem) return { pem: [evidence.originCertPem], from: 'evidence' };
  return undefined;
}

export function cellViews(run: ScenarioRun, scenarioIndex: number): CellView[] {
  const { rows, detectors, scenario } = run.result;
  return rows.map((row, i) => {
    const cell = { state: row.state, client: row.client, site: row.site };
    const evidence = run.evidence.find((e) => sameCell(e, cell) && (e.attempt ?? 1) === (row.attempt ?? 1));
    const record = run.records.cells.find((r) => sameCell(r.cell, cell) && r.cell.attempt === (row.attempt ?? 1));
    const recordChain = servedByRecord(record);
    const served: CellView['served'] = evidence?.chainPem?.length ? { pem: evidence.chainPem, from: 'evidence' } : recordChain ? { pem: recordChain, from: 'record' } : undefined;
    const origin = originChain(evidence, record);
    return {
      id: `s${scenarioIndex}-${i}`,
      scenario,
      row,
      status: statusOf(row),
      ...(evidence && { evidence }),
      ...(record && { record }),
      ...(served && { served }),
      ...(origin && { origin }),
      findings: detectors.flatMap((d) => d.cells.filter((c) => sameCell(c, cell)).map((c) => ({ ...c, detector: d.name }))),
    };
  });
}
