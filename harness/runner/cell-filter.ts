/**
 * Which cells of the grid a run takes: `--grep` / `--grep-invert` over each cell's title, then
 * `--shard i/n` over what is left. The shard's unit is the cell, not the scenario: the run's cells
 * in grid order (scenario, box, state, client, site) are cut into n contiguous slices whose sizes
 * differ by one at most. The order comes from the scenario files and the flags alone, so every
 * machine given the same files and flags puts the same cells in the same shard; contiguous slices
 * keep a (state, client) unit whole wherever they can (its trust set-up is made once per shard).
 */
/** One cell of a run's grid; box only when the run names boxes (rows carry it then). */
export interface CellId {
  scenario: string;
  box?: string | undefined;
  state: string;
  client: string;
  site: string;
}

export interface Shard {
  /** 1-based */
  current: number;
  total: number;
}

/** What --grep matches: `kz-2019-qaznet not-installed curl@vk.com` (` [mitmproxy]` when the run names boxes), as TAP names the cell. */
export function cellTitle(cell: CellId): string {
  return `${cell.scenario} ${cell.state} ${cell.client}@${cell.site}${cell.box !== undefined ? ` [${cell.box}]` : ''}`;
}

export function cellIdKey(cell: CellId): string {
  return [cell.scenario, cell.box ?? '', cell.state, cell.client, cell.site].join('\0');
}

export interface CellChoice {
  grep?: RegExp | undefined;
  grepInvert?: RegExp | undefined;
  shard?: Shard | undefined;
}

export function matchesGrep(cell: CellId, choice: CellChoice): boolean {
  const title = cellTitle(cell);
  return (choice.grep === undefined || choice.grep.test(title)) && (choice.grepInvert === undefined || !choice.grepInvert.test(title));
}

/** Cells index start..end-1 of `count` belong to shard `current` of `total`: contiguous, balanced. */
export function shardRange(count: number, shard: Shard): { start: number; end: number } {
  return { start: Math.floor(((shard.current - 1) * count) / shard.total), end: Math.floor((shard.current * count) / shard.total) };
}

/** The keys (cellIdKey) of the cells the choice keeps, out of the whole grid in grid order. */
export function chooseCells(grid: readonly CellId[], choice: CellChoice): Set<string> {
  const matched = grid.filter((cell) => matchesGrep(cell, choice));
  const { start, end } = choice.shard ? shardRange(matched.length, choice.shard) : { start: 0, end: matched.length };
  return new Set(matched.slice(start, end).map(cellIdKey));
}
