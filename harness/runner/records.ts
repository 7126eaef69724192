/**
 * A cell's record, as the reports carry it: the row gets its truth, its connection ids and its
 * capture's files; records.json keeps every connection's events and what the origin saw, so a
 * verdict can always be traced back to the packets and events that decided it.
 */
import { relative } from 'node:path';
import { cellTruth } from '../../lab/runtime/cell-truth.ts';
import type { CellRecord, ConnectionRecord } from '../../lab/runtime/types.ts';
import type { CellTruth } from '../../lab/detectors/index.ts';
import type { ResultRow } from './results.ts';

export interface RecordsReport {
  scenario: string;
  runtime: string;
  cells: Array<Omit<CellRecord, 'capture'> & { truth: CellTruth; box?: string }>;
  /** connections that came in on a unit's lane but named none of its sites (a browser's background call) */
  strays: ConnectionRecord[];
}

/** Gives a row the facts of its record; an unreachable cell says what its client said, too. */
export function attachRecord(row: ResultRow, record: CellRecord, artefactsDir: string | undefined): void {
  const truth = cellTruth(record);
  const clientSaid = row.actual.error ?? row.actual.detail?.split('\n').filter(Boolean).at(-1);
  row.truth = truth.status === 'unreachable' && clientSaid ? { ...truth, reason: `${truth.reason}; the client said: ${clientSaid}` } : truth;
  row.connections = record.connections.map((c) => c.conn);
  if (record.capture) {
    const rel = (path: string) => (artefactsDir ? relative(artefactsDir, path) : path);
    row.capture = {
      ...(record.capture.pcapng && { pcapng: rel(record.capture.pcapng) }),
      ...(record.capture.keylog && { keylog: rel(record.capture.keylog) }),
      ...(record.capture.problem && { problem: record.capture.problem }),
    };
  }
}

export function recordReport(
  scenario: string,
  runtime: string,
  cells: ReadonlyArray<{ record: CellRecord; truth: CellTruth; box?: string }>,
  strays: readonly ConnectionRecord[] = [],
): RecordsReport {
  return {
    scenario,
    runtime,
    cells: cells.map(({ record: { capture: _files, ...record }, truth, box }) => ({ ...(box !== undefined && { box }), ...record, truth })),
    strays: [...strays],
  };
}
