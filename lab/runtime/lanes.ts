/**
 * Cell attribution, the same for every runtime. A runtime describes its lanes (how a lane's
 * traffic looks on the wire: its own door addresses, client namespace or door ports) and feeds
 * the box's events in as they arrive; the ledger gives each connection to the lease that held its
 * lane when the box accepted it, and at release to the cell whose site the connection named.
 * Nothing is guessed afterwards: an accepted connection's lane is a fact of its addresses, its
 * site a fact of its ClientHello (or CONNECT line), its cell a fact of which unit held the lane.
 */
import type { ClientLauncher, Route } from '../clients/types.ts';
import type {
  CellCapture,
  CellKey,
  CellRecord,
  CellTicket,
  ConnectionRecord,
  Lane,
  LaneRecord,
  LabEngineEvent,
  OriginContact,
  OriginVisit,
  RouteKind,
} from './types.ts';
import { splitPcapng, type PacketSelection } from './pcapng-split.ts';

/** packets a little before a cell's start and after its last event still belong to it (clock steps, FINs) */
const CAPTURE_MARGIN_MS = 1_000;

export const CELL_TAG_PARAMETER = 'tlslab-cell';

/** One lane as its runtime built it. */
export interface LaneWire {
  readonly id: number;
  readonly clientLauncher?: ClientLauncher;
  /** the lane's client address as an origin sees it when no box is on the path (netns), if any */
  readonly clientHost?: string;
  url(site: string): string;
  route(site: string, kind: RouteKind): Route;
}

/** What the lab's origins recorded, and a barrier over everything in flight. */
export interface LabRecordings {
  originVisits(site: string): readonly OriginVisit[];
  originContacts(site: string): readonly OriginContact[];
  originChainPem(site: string): string[];
  /** resolves once every event the box and the origins emitted before the call has arrived */
  settle(): Promise<void>;
}

export interface LedgerOptions {
  /** the lane an accepted connection came in on (undefined: not a lane, e.g. the default doors) */
  laneOf(accepted: Extract<LabEngineEvent, { type: 'accepted' }>): number | undefined;
  recordings: LabRecordings;
  /** makes one more lane when all are taken (loopback); without it lease() waits */
  grow?: (id: number) => Promise<LaneWire>;
  /** writes a cell's key log lines (both legs); absent: key logs are not kept */
  writeKeylog?: (file: string, lines: readonly Buffer[]) => Promise<void>;
  /** why this lab has no capture running (cells asking for one say so); undefined: one is running */
  captureProblem?: string;
}

interface CellWindow {
  key: CellKey;
  tag: string;
  startedAt: number;
  endedAt?: number;
  /** where this cell's pcapng goes */
  capture?: string;
  clientChainPem?: string[];
}

interface Lease {
  serial: number;
  wire: LaneWire;
  cells: CellWindow[];
  connections: Map<number, LabEngineEvent[]>;
  keylog: Map<number, Buffer[]>;
}

export function normaliseSite(site: string): string {
  return site.toLowerCase().replace(/\.$/, '');
}

/** "host:port", "[v6]:port" or a bare address → its parts, without an IPv4-mapped prefix. */
export function splitAddress(address: string): { host: string; port?: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(address);
  const plain = bracketed ? undefined : /^([^:]+):(\d+)$/.exec(address);
  const host = (bracketed?.[1] ?? plain?.[1] ?? address).replace(/^::ffff:/i, '');
  const port = bracketed?.[2] ?? plain?.[2];
  return port === undefined ? { host } : { host, port: Number(port) };
}

export function hostOf(address: string): string {
  return splitAddress(address).host;
}

/** The site a connection named: its SNI, else its CONNECT target's host. */
export function siteNamedBy(events: readonly LabEngineEvent[]): string | undefined {
  const hello = events.find((e) => e.type === 'client-hello');
  if (hello?.type === 'client-hello' && hello.sni) return normaliseSite(hello.sni);
  const tunnel = events.find((e) => e.type === 'tunnel');
  return tunnel?.type === 'tunnel' ? normaliseSite(hostOf(tunnel.target)) : undefined;
}

/**
 * The cell a connection (or an origin contact) belongs to: the lease's cell of the site it named,
 * the latest attempt begun by then; a connection naming no site belongs to the cell open at the time.
 */
export function pickCell<C extends { key: CellKey; startedAt: number; endedAt?: number }>(cells: readonly C[], site: string | undefined, time: number): C | undefined {
  if (site !== undefined) {
    const same = cells.filter((c) => normaliseSite(c.key.site) === site);
    return same.filter((c) => c.startedAt <= time).at(-1) ?? same[0];
  }
  return cells.find((c) => c.startedAt <= time && (c.endedAt === undefined || time <= c.endedAt));
}

function taggedUrl(url: string, tag: string): string {
  const tagged = new URL(url);
  tagged.searchParams.set(CELL_TAG_PARAMETER, tag);
  return tagged.toString();
}

function tagOfVisit(visit: OriginVisit): string | null {
  try {
    return new URL(visit.path, 'https://origin.invalid').searchParams.get(CELL_TAG_PARAMETER);
  } catch {
    return null;
  }
}

export class LaneLedger {
  private readonly free: LaneWire[] = [];
  private readonly waiting: Array<(wire: LaneWire) => void> = [];
  private readonly current = new Map<number, Lease>();
  private readonly leaseOfConnection = new Map<number, Lease>();
  private lanes = 0;
  private serial = 0;
  private readonly pendingSplits: PacketSelection[] = [];

  constructor(
    wires: readonly LaneWire[],
    private readonly options: LedgerOptions,
  ) {
    this.free.push(...wires);
    this.lanes = wires.length;
  }

  /** a lane made after the ledger (e.g. once the box's ports are known) */
  add(wire: LaneWire): void {
    this.lanes = Math.max(this.lanes, wire.id);
    this.giveBack(wire);
  }

  /** every engine event, in the order the box emitted it */
  feed(event: LabEngineEvent): void {
    if (event.type === 'accepted') {
      const lane = this.options.laneOf(event);
      const lease = lane === undefined ? undefined : this.current.get(lane);
      if (!lease) return;
      lease.connections.set(event.conn, [event]);
      this.leaseOfConnection.set(event.conn, lease);
      return;
    }
    this.leaseOfConnection.get(event.conn)?.connections.get(event.conn)?.push(event);
  }

  /** a key log line of connection `conn` (either leg) */
  keylogLine(conn: number, line: Buffer): void {
    const lease = this.leaseOfConnection.get(conn);
    if (!lease || !this.options.writeKeylog) return;
    let lines = lease.keylog.get(conn);
    if (!lines) lease.keylog.set(conn, (lines = []));
    lines.push(line);
  }

  async lease(): Promise<Lane> {
    const wire = this.free.shift() ?? (this.options.grow ? await this.options.grow(++this.lanes) : await new Promise<LaneWire>((resolve) => this.waiting.push(resolve)));
    const lease: Lease = { serial: ++this.serial, wire, cells: [], connections: new Map(), keylog: new Map() };
    this.current.set(wire.id, lease);
    return this.laneFor(lease);
  }

  private giveBack(wire: LaneWire): void {
    this.current.delete(wire.id);
    const next = this.waiting.shift();
    if (next) next(wire);
    else this.free.push(wire);
  }

  private laneFor(lease: Lease): Lane {
    const { wire } = lease;
    let open: CellWindow | undefined;
    let released: Promise<LaneRecord> | undefined;
    const endOpen = (seen?: { chainPem?: readonly string[] }): void => {
      if (open) {
        open.endedAt = Date.now();
        if (seen?.chainPem?.length) open.clientChainPem = [...seen.chainPem];
      }
      open = undefined;
    };
    return {
      id: wire.id,
      ...(wire.clientLauncher && { clientLauncher: wire.clientLauncher }),
      startCell: async (key, options = {}): Promise<CellTicket> => {
        endOpen();
        const cell: CellWindow = { key, tag: `${lease.serial}.${lease.cells.length + 1}`, startedAt: Date.now(), ...(options.capture && { capture: options.capture }) };
        lease.cells.push(cell);
        open = cell;
        return { url: taggedUrl(wire.url(key.site), cell.tag), route: (kind) => wire.route(key.site, kind) };
      },
      endCell: async (seen) => endOpen(seen),
      release: () =>
        (released ??= (async () => {
          endOpen();
          try {
            await this.options.recordings.settle();
            return await this.assemble(lease);
          } finally {
            for (const conn of lease.connections.keys()) this.leaseOfConnection.delete(conn);
            this.giveBack(wire);
          }
        })()),
    };
  }

  private async assemble(lease: Lease): Promise<LaneRecord> {
    const { recordings } = this.options;
    const records = new Map<CellWindow, CellRecord>(
      lease.cells.map((w) => [
        w,
        {
          cell: w.key,
          startedAt: w.startedAt,
          endedAt: w.endedAt ?? Date.now(),
          connections: [],
          originContacts: [],
          originVisits: recordings.originVisits(w.key.site).filter((v) => tagOfVisit(v) === w.tag),
          originChainPem: recordings.originChainPem(w.key.site),
          ...(w.clientChainPem && { clientChainPem: w.clientChainPem }),
        },
      ]),
    );
    const strays: ConnectionRecord[] = [];
    for (const [conn, events] of lease.connections) {
      const window = pickCell(lease.cells, siteNamedBy(events), events[0]!.time);
      const connection: ConnectionRecord = { conn, events: [...events] };
      if (window) records.get(window)!.connections.push(connection);
      else strays.push(connection);
    }
    if (lease.wire.clientHost !== undefined) {
      const sites = new Set(lease.cells.map((w) => normaliseSite(w.key.site)));
      for (const site of sites) {
        for (const contact of recordings.originContacts(site)) {
          if (hostOf(contact.peer) !== lease.wire.clientHost) continue;
          const window = pickCell(lease.cells, normaliseSite(contact.sni ?? site), contact.time);
          if (window && contact.time >= window.startedAt) records.get(window)!.originContacts.push(contact);
        }
      }
    }
    for (const [window, record] of records) {
      if (window.capture !== undefined) record.capture = await this.captureOf(window, record, lease);
    }
    return { cells: [...records.values()], strays };
  }

  private async captureOf(window: CellWindow, record: CellRecord, lease: Lease): Promise<CellCapture> {
    const file = window.capture!;
    const capture: CellCapture = {};
    const problems: string[] = [];
    if (this.options.captureProblem) problems.push(this.options.captureProblem);
    else {
      capture.pcapng = file;
      this.pendingSplits.push({ file, endpoints: cellEndpoints(record), from: record.startedAt - CAPTURE_MARGIN_MS, to: lastActivity(record) + CAPTURE_MARGIN_MS });
    }
    const lines = record.connections.flatMap((c) => lease.keylog.get(c.conn) ?? []);
    if (this.options.writeKeylog && lines.length > 0) {
      const keylog = file.replace(/\.pcapng$/, '') + '.keys';
      await this.options.writeKeylog(keylog, lines);
      capture.keylog = keylog;
    } else if (record.connections.some((c) => c.events.some((e) => e.type === 'served'))) {
      problems.push(this.options.writeKeylog ? 'the box logged no keys for this cell' : 'this runtime keeps no per-connection key log');
    }
    if (problems.length > 0) capture.problem = problems.join('; ');
    return capture;
  }

  /** the latest time any cell asked to be captured was active (a capture must run a little past it) */
  lastCapturedActivity(): number {
    return Math.max(0, ...this.pendingSplits.map((s) => s.to));
  }

  /** writes every released cell's pcapng out of the lab's whole capture (after it has stopped) */
  async splitCaptures(labCapture: string): Promise<void> {
    const splits = this.pendingSplits.splice(0);
    await splitPcapng(labCapture, splits);
  }
}

/** both legs of every connection of a cell, as "address:port" */
function cellEndpoints(record: CellRecord): Set<string> {
  const endpoints = new Set<string>();
  for (const { events } of record.connections) {
    for (const event of events) {
      if (event.type === 'accepted') endpoints.add(event.remote);
      if (event.type === 'upstream-hello' && event.local) endpoints.add(event.local);
    }
  }
  for (const contact of record.originContacts) endpoints.add(contact.peer);
  return new Set([...endpoints].map((e) => {
    const { host, port } = splitAddress(e);
    return `${host}:${port ?? 0}`;
  }));
}

function lastActivity(record: CellRecord): number {
  return Math.max(record.endedAt, ...record.connections.flatMap((c) => c.events.map((e) => e.time)));
}
