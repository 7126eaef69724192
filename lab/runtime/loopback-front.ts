/**
 * What stands at the loopback lab's doors: the lab's own engine (its doors are its own, it reports
 * its own events), or a tap per door in front of a box the lab did not write (the taps report,
 * and forward to the box's doors). Either way every door is opened the same way, so lanes work
 * alike, and connection ids come from one counter per lab.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Forger } from '../ca/types.ts';
import { startEngine, type Engine } from '../proxy/index.ts';
import type { Destination, EngineOptions, FrontDoor } from '../proxy/types.ts';
import { startTap, type Tap } from '../boxes/tap.ts';
import type { RunningBox } from '../boxes/types.ts';
import { foreignBoxPolicy } from './foreign-gateway.ts';
import type { LabEngineEvent, Topology } from './types.ts';

export interface Front {
  openDoor(door: { listen: Destination; mode: Exclude<FrontDoor, 'transparent'> }): Promise<Destination>;
  /** called once the origins listen: a foreign box starts here (it needs to know where sites live) */
  originsReady(resolve: (name: string) => Destination | undefined): Promise<void>;
  /** the foreign box, once started */
  readonly box?: RunningBox;
  close(): Promise<void>;
}

export interface FrontOptions {
  topology: Topology;
  resolve: (name: string) => Destination | undefined;
  publish: (event: LabEngineEvent) => void;
  onKeylog?: (conn: number, line: Buffer) => void;
}

const noForging: Forger = {
  profile: 'none',
  forge: () => Promise.reject(new Error('this lab intercepts nothing, so nothing may be forged')),
};

function engineFront(options: FrontOptions): Front {
  const { topology } = options;
  let engine: Engine | undefined;
  const base: Omit<EngineOptions, 'listen' | 'mode'> = {
    targets: topology.interception?.targets ?? { names: new Set() },
    forger: topology.interception?.forger ?? noForging,
    upstream: topology.interception?.upstream ?? { verify: false },
    resolve: options.resolve,
    ...(options.onKeylog && { onKeylog: options.onKeylog }),
  };
  return {
    async openDoor(door) {
      if (engine) return engine.openDoor(door);
      engine = await startEngine({ ...base, ...door });
      engine.on('event', options.publish);
      return engine.address;
    },
    originsReady: async () => undefined,
    close: async () => engine?.close(),
  };
}

function tapFront(options: FrontOptions): Front {
  const foreign = options.topology.box!;
  // refused here, before any tap opens, rather than when the origins are up
  if (!options.topology.interception) throw new Error('a foreign box needs the scenario\'s interception policy');
  const taps: Tap[] = [];
  let conn = 0;
  let running: RunningBox | undefined;
  const front: Front = {
    async openDoor(door) {
      const tap = await startTap({
        listen: door.listen,
        door: door.mode,
        // read at connection time: the taps open before the box starts (the box needs the origins, the origins the doors' port)
        get box() {
          if (!running) throw new Error('the box has not started');
          return running.doors;
        },
        nextConnection: () => ++conn,
        publish: options.publish,
        resolve: options.resolve,
      });
      taps.push(tap);
      return tap.address;
    },
    async originsReady(resolve) {
      const policy = foreignBoxPolicy(options.topology, resolve);
      const dir = join(options.topology.workDir, `box-${foreign.interceptor.name}`);
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      running = await foreign.interceptor.start(policy, dir);
      Object.assign(front, { box: running });
    },
    async close() {
      await Promise.allSettled(taps.map((t) => t.close()));
      await running?.stop();
    },
  };
  return front;
}

export function loopbackFront(options: FrontOptions): Front {
  return options.topology.box ? tapFront(options) : engineFront(options);
}
