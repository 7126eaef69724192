/**
 * The grid's axes, shared by the table and the HTML report: states in scenario order, then boxes
 * (only when rows name one: several interceptors on one grid), then sites; one column per client.
 */
import type { ResultRow } from '../runner/results.ts';

export interface GridLine {
  state: string;
  box?: string;
  site: string;
  firstOfState: boolean;
  firstOfBox: boolean;
}

export interface GridAxes {
  clients: string[];
  /** the boxes, when rows name any */
  boxes?: string[];
  lines: GridLine[];
  cell(line: GridLine, client: string): ResultRow | undefined;
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

export function cellKey(row: Pick<ResultRow, 'state' | 'client' | 'site' | 'box'>): string {
  return [row.state, row.box ?? '', row.site, row.client].join('\0');
}

export function gridAxes(rows: readonly ResultRow[]): GridAxes {
  const clients = unique(rows.map((r) => r.client));
  const states = unique(rows.map((r) => r.state));
  const sites = unique(rows.map((r) => r.site));
  const named = unique(rows.flatMap((r) => (r.box !== undefined ? [r.box] : [])));
  const boxes: (string | undefined)[] = named.length ? unique(rows.map((r) => r.box)) : [undefined];
  const byKey = new Map(rows.map((r) => [cellKey(r), r]));
  const lines: GridLine[] = [];
  for (const state of states) {
    let firstOfState = true;
    for (const box of boxes) {
      let firstOfBox = true;
      for (const site of sites) {
        if (!clients.some((client) => byKey.has(cellKey({ state, box, site, client })))) continue;
        lines.push({ state, ...(box !== undefined && { box }), site, firstOfState, firstOfBox });
        firstOfState = false;
        firstOfBox = false;
      }
    }
  }
  return {
    clients,
    ...(named.length && { boxes: named }),
    lines,
    cell: (line, client) => byKey.get(cellKey({ ...line, client })),
  };
}
