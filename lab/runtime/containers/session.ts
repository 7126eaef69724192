import { ensureImage, type BuildResult } from './images.ts';
import { execCliFor, type ExecCli } from './exec-cli.ts';
import { resolveHostInterpreters } from './host-mounts.ts';
import { reap } from './reaper.ts';
import { startContainerEngine, stopContainerEngine, type ContainerEngine } from './service.ts';
import type { LabNetwork } from './networks.ts';
import { readBridgeRecords, recordBridge, sweepRecordedBridges } from './bridges.ts';
import { currentRunId } from '../registry/identity.ts';
import { processStartTicks } from '../registry/proc.ts';
import { forgetEngine, holdRunSysctl, registerEngine, releaseRunSysctl } from '../registry/run.ts';
import { IP_FORWARD } from '../registry/sysctl.ts';

/**
 * One engine per lab process. testcontainers caches its client (and so $DOCKER_HOST) for the life
 * of the process, so the service is started once and kept until shutdownContainerSession() or
 * the end of the process. The run registry names the service the instant it exists, and every
 * container and network carries the run's label: the run's supervisor (or `tlslab gc`) removes
 * them after a process that dies first.
 */
export interface ContainerSession {
  engine: ContainerEngine;
  /** remembers a network's bridge so that shutdown can delete it if podman leaves it behind */
  trackNetwork(network: LabNetwork): void;
  build: BuildResult;
  /** the engine's command-line client */
  cli: ExecCli;
  /** ms spent starting (or finding) the engine */
  engineStartMs: number;
}

let pending: Promise<ContainerSession> | undefined;
let exitHookInstalled = false;

/**
 * The podman service the lab starts, recorded before it answers. netavark turns the host's
 * ip_forward on with the first bridge and never off, so the run holds that sysctl (reference
 * counted across runs) before any network can exist, and lets go once its networks are gone.
 */
async function startRecordedEngine(): Promise<ContainerEngine> {
  if (process.env.DOCKER_HOST) {
    const engine = await startContainerEngine();
    registerEngine({ dockerHost: engine.dockerHost, kind: 'external' });
    return engine;
  }
  await holdRunSysctl(IP_FORWARD);
  try {
    return await startContainerEngine({
      onSpawned: (service) =>
        registerEngine({ dockerHost: service.dockerHost, kind: 'podman', servicePid: service.pid, serviceStartTicks: processStartTicks(service.pid) ?? 0, serviceDir: service.serviceDir }),
    });
  } catch (err) {
    await releaseRunSysctl(IP_FORWARD);
    throw err;
  }
}

function pointTestcontainersAt(engine: ContainerEngine): void {
  process.env.DOCKER_HOST = engine.dockerHost;
  // /.dockerenv exists on this VM, so testcontainers would otherwise take 10.88.0.1 for the host
  process.env.TESTCONTAINERS_HOST_OVERRIDE ??= 'localhost';
  // Ryuk's image would have to be pulled; the lab's label reaper and watchdog do its job
  process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
}

export interface SessionOptions {
  /** the image, already known to exist (skips docker/build.sh's check) */
  prebuilt?: string;
}

async function open(options: SessionOptions): Promise<ContainerSession> {
  const t0 = Date.now();
  // asked while the engine starts: every container's mounts need the answer
  const interpreters = resolveHostInterpreters();
  const engine = await startRecordedEngine();
  const engineStartMs = Date.now() - t0;
  pointTestcontainersAt(engine);
  // labelled leftovers of lab processes that died with no record left (an older lab, a lost registry)
  await reap(engine.endpoint, { stale: true });
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('beforeExit', () => void shutdownContainerSession());
  }
  try {
    const cli = await execCliFor(engine);
    const [build] = await Promise.all([options.prebuilt ? { image: options.prebuilt, durationMs: 0, log: '' } : ensureImage(engine, cli), interpreters]);
    const trackNetwork = (network: LabNetwork): void => {
      if (engine.kind === 'podman') recordBridge(engine.serviceDir, network);
    };
    return { engine, build, cli, engineStartMs, trackNetwork };
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
  // a failed step leaves the engine recorded: the supervisor or gc finishes the job
  await reap(engine.endpoint, { registryRun: currentRunId() });
  const bridges = readBridgeRecords(engine.serviceDir);
  await stopContainerEngine(engine);
  if (engine.kind === 'podman') sweepRecordedBridges(bridges);
  forgetEngine(engine.dockerHost);
  if (engine.kind === 'podman') await releaseRunSysctl(IP_FORWARD);
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
