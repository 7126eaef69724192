/**
 * A dead run's containers and networks, found by the run's label on the engine it used, then the
 * podman service it started (and the bridges podman can leave behind). When that service is gone
 * or never answered, a temporary one on the lab's storage does the removing.
 */
import { existsSync } from 'node:fs';
import { endpointFromDockerHost } from '../containers/engine-api.ts';
import { reap, type ReapReport } from '../containers/reaper.ts';
import { readBridgeRecords, sweepRecordedBridges } from '../containers/bridges.ts';
import { startContainerEngine, stopContainerEngine } from '../containers/service.ts';
import { isSameProcess, sendSignal } from './proc.ts';
import { removeLabDir } from './dirs.ts';
import type { RecordedEngine } from './record.ts';

export interface EngineCleanReport extends ReapReport {
  dockerHost: string;
  serviceStopped: boolean;
  bridgesRemoved: string[];
  /** the engine's socket no longer exists: nothing could be or needed to be removed there */
  engineGone?: boolean;
}

async function stopService(pid: number, startTicks: number): Promise<boolean> {
  if (!isSameProcess(pid, startTicks)) return false;
  sendSignal(pid, 'SIGTERM');
  const deadline = Date.now() + 5_000;
  while (isSameProcess(pid, startTicks) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (isSameProcess(pid, startTicks)) sendSignal(pid, 'SIGKILL');
  return true;
}

async function reapWithTemporaryService(runId: string): Promise<ReapReport> {
  const env = { ...process.env };
  delete env.DOCKER_HOST;
  const temporary = await startContainerEngine({ env });
  try {
    return await reap(temporary.endpoint, { registryRun: runId });
  } finally {
    await stopContainerEngine(temporary);
  }
}

export async function cleanEngine(entry: RecordedEngine, runId: string): Promise<EngineCleanReport> {
  if (entry.kind === 'external') {
    const endpoint = endpointFromDockerHost(entry.dockerHost);
    // the user's engine socket is gone, and the engine with it: nothing is left there to reach, and
    // keeping the record would report the same dead run on every later run
    if (endpoint.socketPath !== undefined && !existsSync(endpoint.socketPath)) return { dockerHost: entry.dockerHost, containers: [], networks: [], serviceStopped: false, bridgesRemoved: [], engineGone: true };
    return { dockerHost: entry.dockerHost, ...(await reap(endpoint, { registryRun: runId })), serviceStopped: false, bridgesRemoved: [] };
  }
  const ownService = entry.servicePid !== undefined && isSameProcess(entry.servicePid, entry.serviceStartTicks ?? -1);
  let reaped: ReapReport | undefined;
  if (ownService) reaped = await reap(endpointFromDockerHost(entry.dockerHost), { registryRun: runId }).catch(() => undefined);
  const bridges = readBridgeRecords(entry.serviceDir);
  const serviceStopped = ownService ? await stopService(entry.servicePid!, entry.serviceStartTicks!) : false;
  reaped ??= await reapWithTemporaryService(runId);
  // podman 4.3 keeps a crashed container's bridge while its service runs: sweep once it is gone
  const bridgesRemoved = sweepRecordedBridges(bridges);
  if (entry.serviceDir) removeLabDir(entry.serviceDir);
  return { dockerHost: entry.dockerHost, ...reaped, serviceStopped, bridgesRemoved };
}
