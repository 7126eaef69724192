/**
 * The loopback runtime: no root, no namespaces. Each origin gets its own 127.0.x.y address; the
 * box listens on 127.0.0.1 with two front doors sharing one forger: an SNI door (clients are
 * pointed at it with their own resolver flags, e.g. curl --resolve) and a CONNECT door (clients
 * configured with a proxy). Every listener uses one port number P, so the URL https://site:P/
 * is the same whichever door a client comes through and the Host header stays honest.
 */
import type { AddressInfo } from 'node:net';
import type { Route } from '../clients/types.ts';
import type { Forger } from '../ca/types.ts';
import { startEngine } from '../proxy/index.ts';
import type { EngineEvent, EngineOptions, FrontDoor } from '../proxy/types.ts';
import { startOrigin, type Origin } from './origin.ts';
import type { Lab, LabEngineEvent, OriginVisit, Runtime, RouteKind, Topology } from './types.ts';

const BOX_HOST = '127.0.0.1';
const PORT_ATTEMPTS = 8;

/** 127.0.1.1, 127.0.1.2, ...: away from 127.0.0.1 so a site is never confused with the box. */
export function originAddress(index: number): string {
  const third = 1 + Math.floor(index / 250);
  if (third > 255) throw new Error('loopback runtime: too many sites');
  return `127.0.${third}.${1 + (index % 250)}`;
}

const noForging: Forger = {
  profile: 'none',
  forge: () => Promise.reject(new Error('this lab intercepts nothing, so nothing may be forged')),
};

type Engine = Awaited<ReturnType<typeof startEngine>>;

function portOf(address: unknown): number {
  const port = (address as Partial<AddressInfo> | undefined)?.port;
  if (typeof port !== 'number') throw new Error('engine did not report its listening port');
  return port;
}

function isAddressInUse(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE';
}

async function closeAll(closers: (() => Promise<unknown>)[]): Promise<void> {
  await Promise.allSettled(closers.map((close) => close()));
}

async function tryUp(topology: Topology): Promise<Lab> {
  const events: LabEngineEvent[] = [];
  const origins = new Map<string, Origin>();
  const closers: (() => Promise<unknown>)[] = [];
  try {
    const base: Omit<EngineOptions, 'listen' | 'mode'> = {
      targets: topology.interception?.targets ?? { names: new Set() },
      forger: topology.interception?.forger ?? noForging,
      upstream: topology.interception?.upstream ?? { verify: false },
      resolve: (name) => {
        const origin = origins.get(name.toLowerCase());
        return origin && { host: origin.host, port: origin.port };
      },
    };
    const sniDoor: Engine = await startEngine({ ...base, listen: { host: BOX_HOST, port: 0 }, mode: 'sni' });
    closers.push(() => sniDoor.close());
    const port = portOf(sniDoor.address);
    const connectDoor: Engine = await startEngine({ ...base, listen: { host: BOX_HOST, port: 0 }, mode: 'connect' });
    closers.push(() => connectDoor.close());
    const connectPort = portOf(connectDoor.address);
    const tagged = (door: FrontDoor) => (e: EngineEvent) => events.push({ ...e, door });
    sniDoor.on('event', tagged('sni'));
    connectDoor.on('event', tagged('connect'));

    for (const [i, spec] of topology.origins.entries()) {
      const origin = await startOrigin(spec, originAddress(i), port);
      closers.push(() => origin.close());
      origins.set(spec.name.toLowerCase(), origin);
    }

    const originOf = (site: string): Origin => {
      const origin = origins.get(site.toLowerCase());
      if (!origin) throw new Error(`loopback runtime: no origin for ${site}`);
      return origin;
    };
    let downed: Promise<void> | undefined;
    return {
      runtime: 'loopback',
      routeKinds: ['direct', 'connect'],
      urlFor: (site) => `https://${originOf(site).name}:${port}/`,
      routeFor: (site, kind: RouteKind): Route => {
        originOf(site);
        if (kind === 'direct') return { kind, host: BOX_HOST, port };
        return { kind, host: BOX_HOST, port: connectPort };
      },
      originView: (site): readonly OriginVisit[] => originOf(site).visits,
      engineEvents: () => events,
      down: () => (downed ??= closeAll(closers.reverse())),
    };
  } catch (err) {
    await closeAll(closers.reverse());
    throw err;
  }
}

export const loopbackRuntime: Runtime = {
  name: 'loopback',
  probe: async () => ({ available: true }),
  async up(topology) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await tryUp(topology);
      } catch (err) {
        // the shared port number was free on 127.0.0.1 but taken on an origin's address
        if (!isAddressInUse(err) || attempt >= PORT_ATTEMPTS) throw err;
      }
    }
  },
};
