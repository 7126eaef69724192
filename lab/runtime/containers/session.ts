import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ensureImages, type BuildResult } from './images.ts';
import { reap } from './reaper.ts';
import { ownerTag } from './labels.ts';
import { restoreHostForwarding } from './host-forwarding.ts';
import { startContainerEngine, stopContainerEngine, type ContainerEngine } from './service.ts';
import type { WatchdogOrders } from './watchdog.ts';
import type { LabNetwork } from './networks.ts';
import { readBridgeRecords, recordBridge, sweepRecordedBridges } from './bridges.ts';

/**
 * One engine per lab process. testcontainers caches its client (and so $DOCKER_HOST) for the life
 * of the process, so the service is started once and kept until shutdownContainerSession() or
 * the end of the process; the watchdog cleans up after a process that dies first.
 */
export interface ContainerSession {
  engine: ContainerEngine;
  /** remembers a network's bridge so that shutdown can delete it if podman leaves it behind */
  trackNetwork(network: LabNetwork): void;
  build: BuildResult;
  /** ms spent starting (or finding) the engine */
  engineStartMs: number;
}

let pending: Promise<ContainerSession> | undefined;
let watchdogPid: number | undefined;
let exitHookInstalled = false;

const WATCHDOG = fileURLToPath(new URL('./watchdog.ts', import.meta.url));
const TSX_LOADER = import.meta.resolve('tsx/esm');

function spawnWatchdog(engine: ContainerEngine): number | undefined {
  const orders: WatchdogOrders = {
    ownerPid: process.pid,
    dockerHost: engine.dockerHost,
    ...(engine.servicePid !== undefined ? { servicePid: engine.servicePid } : {}),
    ...(engine.serviceDir !== undefined ? { serviceDir: engine.serviceDir } : {}),
    ...(engine.forwardingBefore !== undefined ? { forwardingBefore: engine.forwardingBefore } : {}),
  };
  // detached: it must outlive this process, and a Ctrl-C to our process group must not reach it
  const child = spawn(process.execPath, ['--import', TSX_LOADER, WATCHDOG, JSON.stringify(orders)], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  return child.pid;
}

function pointTestcontainersAt(engine: ContainerEngine): void {
  process.env.DOCKER_HOST = engine.dockerHost;
  // /.dockerenv exists on this VM, so testcontainers would otherwise take 10.88.0.1 for the host
  process.env.TESTCONTAINERS_HOST_OVERRIDE ??= 'localhost';
  // Ryuk's image would have to be pulled; the lab's label reaper and watchdog do its job
  process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
}

export interface SessionOptions {
  /** images already known to exist (skips docker/build.sh's checks, about 5 s) */
  prebuilt?: BuildResult['images'];
}

async function open(options: SessionOptions): Promise<ContainerSession> {
  const t0 = Date.now();
  const engine = await startContainerEngine();
  const engineStartMs = Date.now() - t0;
  pointTestcontainersAt(engine);
  watchdogPid = spawnWatchdog(engine);
  // leftovers of lab processes that died without their watchdog (e.g. the machine rebooted)
  await reap(engine.endpoint, { stale: true });
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('beforeExit', () => void shutdownContainerSession());
  }
  try {
    const build = options.prebuilt ? { images: options.prebuilt, durationMs: 0, log: '' } : await ensureImages(engine);
    const trackNetwork = (network: LabNetwork): void => {
      if (engine.kind === 'podman') recordBridge(engine.serviceDir, network);
    };
    return { engine, build, engineStartMs, trackNetwork };
  } catch (err) {
    await shutdown(engine);
    throw err;
  }
}

export function acquireContainerSession(options: SessionOptions = {}): Promise<ContainerSession> {
  pending ??= open(options).catch((err: unknown) => {
    pending = undefined;
    throw err;
  });
  return pending;
}

async function shutdown(engine: ContainerEngine): Promise<void> {
  try {
    await reap(engine.endpoint, { owner: ownerTag() });
  } finally {
    const bridges = readBridgeRecords(engine.serviceDir);
    await stopContainerEngine(engine);
    if (engine.kind === 'podman') {
      sweepRecordedBridges(bridges);
      restoreHostForwarding(engine.forwardingBefore);
    }
    if (watchdogPid !== undefined) {
      try {
        process.kill(watchdogPid, 'SIGTERM');
      } catch {
        // already gone
      }
      watchdogPid = undefined;
    }
  }
}

/** Removes whatever this process still has labelled, stops the service it started. Idempotent. */
export async function shutdownContainerSession(): Promise<void> {
  const current = pending;
  pending = undefined;
  if (!current) return;
  let session: ContainerSession;
  try {
    session = await current;
  } catch {
    return;
  }
  await shutdown(session.engine);
}
