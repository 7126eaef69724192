/**
 * What really happened to a cell, read from its record and nothing else: the chain the box says
 * it served on one of the cell's own connections, or the origin's record of the client reaching
 * it. Never re-derived from the site, the policy, or a re-forged look-alike.
 */
import { X509Certificate } from 'node:crypto';
import type { CellTruth } from '../detectors/truth.ts';
import type { CellRecord, ConnectionRecord, LabEngineEvent } from './types.ts';

type EventOf<T extends LabEngineEvent['type']> = Extract<LabEngineEvent, { type: T }>;

function eventOf<T extends LabEngineEvent['type']>(connection: ConnectionRecord, type: T): EventOf<T> | undefined {
  return connection.events.find((e): e is EventOf<T> => e.type === type);
}

function issuerOf(pem: string | undefined): string {
  if (!pem) return 'unknown issuer';
  try {
    return new X509Certificate(pem).issuer.split('\n').join(', ');
  } catch {
    return 'an unparseable certificate';
  }
}

/** The connection whose record shows a forged chain served, if any (the first one: the cell's own handshake). */
export function forgedConnection(record: CellRecord): { connection: ConnectionRecord; served: EventOf<'served'> } | undefined {
  for (const connection of record.connections) {
    const served = eventOf(connection, 'served');
    if (served) return { connection, served };
  }
  return undefined;
}

/** The chain shown to the client when the box keeps no record of it: on the wire (TLS 1.2), else as the client reported it. */
function shownChain(record: CellRecord): { chainPem: string[]; source: string } | undefined {
  for (const connection of record.connections) {
    const wire = eventOf(connection, 'server-certificate');
    if (wire) return { chainPem: wire.chainPem, source: `on connection ${connection.conn}'s wire` };
  }
  return record.clientChainPem ? { chainPem: record.clientChainPem, source: 'as the client reported it' } : undefined;
}

function fingerprint(pem: string | undefined): string | undefined {
  try {
    return pem ? new X509Certificate(pem).fingerprint256 : undefined;
  } catch {
    return undefined;
  }
}

/** the shown chain's leaf is not the one the origin presents: somebody in the middle made it */
function substituted(record: CellRecord, shown: { chainPem: string[] }): boolean {
  const leaf = fingerprint(shown.chainPem[0]);
  return leaf !== undefined && leaf !== fingerprint(record.originChainPem[0]);
}

/**
 * The chain the client was served, leaf first: the box's recorded forgery; else what was shown to
 * the client when its leaf is not the origin's (a box the lab did not write records nothing: the
 * wire, else the client's report);
 * else the origin's own chain when a connection passed the box untouched or reached the origin
 * directly; undefined when no certificate can have reached the client.
 */
export function servedChain(record: CellRecord): string[] | undefined {
  const forged = forgedConnection(record);
  if (forged) return forged.served.chainPem;
  const shown = shownChain(record);
  // the origin's own leaf came through: the origin's whole flight did (a client may report the leaf alone)
  if (shown) return substituted(record, shown) || record.originChainPem.length === 0 ? shown.chainPem : record.originChainPem;
  const passed = record.connections.some((c) => eventOf(c, 'decision')?.action === 'passthrough');
  if (passed || record.originContacts.length > 0 || record.originVisits.length > 0) return record.originChainPem;
  return undefined;
}

export function cellTruth(record: CellRecord): CellTruth {
  const forged = forgedConnection(record);
  if (forged) {
    return {
      status: 'intercepted',
      reason: `connection ${forged.connection.conn} was served a chain the box forged (leaf issued by ${issuerOf(forged.served.chainPem[0])})`,
    };
  }
  const shown = shownChain(record);
  if (shown && substituted(record, shown)) {
    return { status: 'intercepted', reason: `the client was shown a chain the origin does not present (leaf issued by ${issuerOf(shown.chainPem[0])}), ${shown.source}` };
  }
  const reachedBox = record.connections.find((c) => eventOf(c, 'client-hello'));
  if (reachedBox) {
    const decision = eventOf(reachedBox, 'decision');
    return {
      status: 'clean',
      reason: `connection ${reachedBox.conn} reached the box and was not served a forged chain (${decision ? `${decision.action}: ${decision.reason}` : shown ? 'the origin\'s own chain was shown' : 'no decision recorded'})`,
    };
  }
  if (record.originContacts.length > 0 || record.originVisits.length > 0) {
    return { status: 'clean', reason: 'the client reached the origin directly (the box is not on this path)' };
  }
  if (shown) return { status: 'clean', reason: `the client was shown the origin's own chain, ${shown.source}` };
  return { status: 'unreachable', reason: unreachableReason(record) };
}

function unreachableReason(record: CellRecord): string {
  if (record.connections.length === 0) return 'no connection of this cell reached the box or the origin';
  const first = record.connections[0]!;
  const failure = eventOf(first, 'handshake-failed');
  const rejected = eventOf(first, 'decision');
  const refused = eventOf(first, 'box-refused');
  const why = failure?.message ?? refused?.reason ?? (rejected ? `${rejected.action}: ${rejected.reason}` : 'it closed before its ClientHello');
  return `${record.connections.length} connection${record.connections.length > 1 ? 's' : ''} reached the box but none sent a ClientHello (${why})`;
}
