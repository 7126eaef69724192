/**
 * The loopback runtime: no root, no namespaces. Each origin gets its own 127.0.x.y address; one
 * engine serves every front door. Its default doors are on 127.0.0.1 (an SNI door: clients are
 * pointed at it with their own resolver flags, e.g. curl --connect-to; and a CONNECT door), and
 * each lane has its own pair on 127.0.100.<lane>, so the local address of an accepted connection
 * names the lane, and so the unit, it belongs to. Every SNI door and every origin listens on one
 * port number P, so https://site:P/ is the same URL whichever door a client comes through.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import type { Route } from '../clients/types.ts';
import { splitPem } from '../ca/pem-text.ts';
import { loopbackFront } from './loopback-front.ts';
import { spawnOnHost, startDumpcap, type Capture } from './capture.ts';
import { hostOf, LaneLedger, type LaneWire } from './lanes.ts';
import { startOrigin, type Origin } from './origin.ts';
import type { Lab, LabEngineEvent, OriginVisit, Runtime, RouteKind, Topology } from './types.ts';

const BOX_HOST = '127.0.0.1';
const LANE_PREFIX = '127.0.100.';
const MAX_LANES = 250;
const PORT_ATTEMPTS = 8;

/** 127.0.1.1, 127.0.1.2, ...: away from 127.0.0.1 so a site is never confused with the box. */
export function originAddress(index: number): string {
  const third = 1 + Math.floor(index / 250);
  if (third >= 100) throw new Error('loopback runtime: too many sites');
  return `127.0.${third}.${1 + (index % 250)}`;
}

function laneAddress(id: number): string {
  if (id < 1 || id > MAX_LANES) throw new Error(`loopback runtime: lane ${id} is out of range (1–${MAX_LANES})`);
  return `${LANE_PREFIX}${id}`;
}

function isAddressInUse(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE';
}

async function closeAll(closers: (() => Promise<unknown>)[]): Promise<void> {
  await Promise.allSettled(closers.map((close) => close()));
}

/** The chain a vantage point beside the origin sees: a handshake straight to its address, never through the box. */
function fetchChain(origin: Origin, site: string): Promise<string[] | { skipped: string }> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: origin.host, port: origin.port, servername: site, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
    const timer = setTimeout(() => finish({ skipped: `no handshake with ${origin.host}:${origin.port} within 5 s` }), 5_000);
    function finish(result: string[] | { skipped: string }): void {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    }
    socket.once('secureConnect', () => {
      const chain: string[] = [];
      const seen = new Set<string>();
      for (let cert = socket.getPeerCertificate(true); cert?.raw && !seen.has(cert.fingerprint256); cert = cert.issuerCertificate) {
        seen.add(cert.fingerprint256);
        chain.push(new X509Certificate(cert.raw).toString());
      }
      finish(chain.length > 0 ? chain : { skipped: 'the origin sent no certificate' });
    });
    socket.once('error', (err) => finish({ skipped: `handshake with the origin failed: ${err.message}` }));
  });
}

async function startLabCapture(workDir: string, ports: number[]): Promise<Capture | string> {
  if (process.getuid?.() !== 0) return 'capturing on loopback needs root (dumpcap on lo)';
  try {
    return await startDumpcap(spawnOnHost, {
      interfaces: ['lo'],
      file: join(workDir, 'loopback.pcapng'),
      filter: `tcp and (${ports.map((p) => `port ${p}`).join(' or ')})`,
      where: 'the host (loopback)',
    });
  } catch (err) {
    return (err as Error).message;
  }
}

async function tryUp(topology: Topology): Promise<Lab> {
  const events: LabEngineEvent[] = [];
  const origins = new Map<string, Origin>();
  const closers: (() => Promise<unknown>)[] = [];
  let ledger: LaneLedger | undefined;
  try {
    const resolve = (name: string) => {
      const origin = origins.get(name.toLowerCase());
      return origin && { host: origin.host, port: origin.port };
    };
    const front = loopbackFront({
      topology,
      resolve,
      publish: (e) => {
        events.push(e);
        ledger?.feed(e);
      },
      ...(topology.capture && { onKeylog: (conn: number, line: Buffer) => ledger?.keylogLine(conn, line) }),
    });
    closers.push(() => front.close());
    const port = (await front.openDoor({ listen: { host: BOX_HOST, port: 0 }, mode: 'sni' })).port;
    const connectPort = (await front.openDoor({ listen: { host: BOX_HOST, port: 0 }, mode: 'connect' })).port;

    for (const [i, spec] of topology.origins.entries()) {
      const origin = await startOrigin(spec, originAddress(i), port);
      closers.push(() => origin.close());
      origins.set(spec.name.toLowerCase(), origin);
    }
    await front.originsReady(resolve);
    const originOf = (site: string): Origin => {
      const origin = origins.get(site.toLowerCase());
      if (!origin) throw new Error(`loopback runtime: no origin for ${site}`);
      return origin;
    };
    const urlFor = (site: string) => `https://${originOf(site).name}:${port}/`;

    const openLane = async (id: number): Promise<LaneWire> => {
      const host = laneAddress(id);
      await front.openDoor({ listen: { host, port }, mode: 'sni' });
      await front.openDoor({ listen: { host, port: connectPort }, mode: 'connect' });
      return {
        id,
        url: urlFor,
        route: (site, kind: RouteKind): Route => {
          originOf(site);
          return kind === 'direct' ? { kind, host, port } : { kind, host, port: connectPort };
        },
      };
    };

    const capture = topology.capture ? await startLabCapture(topology.workDir, [port, connectPort]) : undefined;
    if (capture && typeof capture !== 'string') closers.unshift(() => capture.stop());
    ledger = new LaneLedger([], {
      laneOf: (accepted) => {
        const host = hostOf(accepted.local);
        return host.startsWith(LANE_PREFIX) ? Number(host.slice(LANE_PREFIX.length)) : undefined;
      },
      recordings: {
        originVisits: (site) => originOf(site).visits,
        originContacts: (site) => originOf(site).contacts,
        originChainPem: (site) => splitPem(topology.origins.find((o) => o.name.toLowerCase() === site.toLowerCase())?.chainPem ?? ''),
        // one process: every event and visit is recorded the moment it happens
        settle: () => new Promise((resolve) => setImmediate(resolve)),
      },
      grow: openLane,
      writeKeylog: (file, lines) => writeFile(file, Buffer.concat(lines), { mode: 0o600 }),
      ...(typeof capture === 'string' ? { captureProblem: capture } : {}),
    });
    for (let id = 1; id <= (topology.lanes ?? 1); id++) ledger.add(await openLane(id));

    const lanes = ledger;
    let downed: Promise<void> | undefined;
    return {
      runtime: 'loopback',
      routeKinds: ['direct', 'connect'],
      urlFor,
      routeFor: (site, kind: RouteKind): Route => {
        originOf(site);
        if (kind === 'direct') return { kind, host: BOX_HOST, port };
        return { kind, host: BOX_HOST, port: connectPort };
      },
      originView: (site): readonly OriginVisit[] => originOf(site).visits,
      engineEvents: () => events,
      lease: () => lanes.lease(),
      vantageChain: async (site) => fetchChain(originOf(site), site),
      down: () =>
        (downed ??= (async () => {
          if (capture && typeof capture !== 'string') {
            await capture.stop(lanes.lastCapturedActivity());
            await lanes.splitCaptures(capture.file);
          }
          await closeAll(closers.reverse());
        })()),
    };
  } catch (err) {
    await closeAll(closers.reverse());
    throw err;
  }
}

export const loopbackRuntime: Runtime = {
  name: 'loopback',
  hostsForeignBoxes: true,
  probe: async () => ({ available: true }),
  async up(topology) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await tryUp(topology);
      } catch (err) {
        // the shared port number was free on 127.0.0.1 but taken on an origin's or a lane's address
        if (!isAddressInUse(err) || attempt >= PORT_ATTEMPTS) throw err;
      }
    }
  },
};
