/**
 * The start sequence every peer shares: workspace, process, wait for the port, and on any failure
 * undo all of it and say why with the peer's own last log lines.
 */
import { spawnPeer, stopPeerProcess, type SpawnedPeer } from './process.ts';
import { waitForListening } from './ports.ts';
import { freeLoopbackPort } from '../../lab/boxes/process.ts';
import { createPeerWorkspace, type PeerWorkspace } from './workspace.ts';
import type { RunningPeer } from './types.ts';

export interface LaunchPlan {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** the root clients must trust; read after the peer listens for peers that make their own */
  caPem: () => string;
}

const START_TIMEOUT_MS = 20_000;

export async function launchPeer(peerName: string, plan: (workspace: PeerWorkspace, port: number) => Promise<LaunchPlan>): Promise<RunningPeer> {
  const workspace = createPeerWorkspace(peerName);
  let spawned: SpawnedPeer | undefined;
  const stop = async () => {
    if (spawned) await stopPeerProcess(spawned.child);
    workspace.remove();
  };
  try {
    const port = await freeLoopbackPort();
    const { command, args, env, caPem } = await plan(workspace, port);
    spawned = spawnPeer(command, args, { logFile: workspace.file('peer.log'), cwd: workspace.dir, ...(env ? { env } : {}) });
    const child = spawned.child;
    const spawnFailed = new Promise<never>((_, reject) => child.once('error', reject));
    await Promise.race([waitForListening(port, () => child.exitCode !== null || child.signalCode !== null, START_TIMEOUT_MS), spawnFailed]);
    return { port, pid: child.pid!, caPem: caPem(), stop };
  } catch (error) {
    const tail = spawned?.logTail();
    await stop();
    throw new Error(`${peerName}: ${(error as Error).message}${tail ? `\n${tail}` : ''}`);
  }
}
