/**
 * Detached guard for one lab process (the lab's stand-in for Ryuk, needing no pulled image): when
 * the owner exits without cleaning up (a crash, a kill -9), it removes every container and network
 * the owner labelled, stops the podman service the owner started and removes its run dir.
 * Usage: watchdog.ts JSON   ({ ownerPid, dockerHost, servicePid?, serviceDir?, forwardingBefore? })
 */
import { rmSync } from 'node:fs';
import { endpointFromDockerHost } from './engine-api.ts';
import { reap } from './reaper.ts';
import { ownerTag } from './labels.ts';
import { restoreHostForwarding } from './host-forwarding.ts';
import { readBridgeRecords, sweepRecordedBridges } from './bridges.ts';
import { processExists } from '../process-exists.ts';

export interface WatchdogOrders {
  ownerPid: number;
  dockerHost: string;
  servicePid?: number;
  serviceDir?: string;
  forwardingBefore?: string;
}

async function cleanUpAfter(orders: WatchdogOrders): Promise<void> {
  const endpoint = endpointFromDockerHost(orders.dockerHost);
  try {
    const report = await reap(endpoint, { owner: ownerTag(orders.ownerPid) });
    process.stderr.write(`tlslab watchdog: owner ${orders.ownerPid} gone; removed ${report.containers.length} containers, ${report.networks.length} networks\n`);
  } catch (err) {
    process.stderr.write(`tlslab watchdog: reap failed: ${(err as Error).message}\n`);
  }
  const bridges = readBridgeRecords(orders.serviceDir);
  if (orders.servicePid !== undefined && processExists(orders.servicePid)) {
    process.kill(orders.servicePid, 'SIGTERM');
    for (let i = 0; i < 50 && processExists(orders.servicePid); i++) await new Promise((r) => setTimeout(r, 100));
    if (processExists(orders.servicePid)) process.kill(orders.servicePid, 'SIGKILL');
  }
  sweepRecordedBridges(bridges);
  if (orders.serviceDir) rmSync(orders.serviceDir, { recursive: true, force: true });
  process.stderr.write(`tlslab watchdog: host ip_forward ${restoreHostForwarding(orders.forwardingBefore)}\n`);
}

async function main(): Promise<void> {
  const orders = JSON.parse(process.argv[2] ?? '{}') as WatchdogOrders;
  if (!Number.isInteger(orders.ownerPid)) throw new Error('watchdog: ownerPid missing');
  // the owner sends SIGTERM after a clean shutdown: nothing is left to do then
  process.on('SIGTERM', () => process.exit(0));
  while (processExists(orders.ownerPid)) await new Promise((r) => setTimeout(r, 500));
  await cleanUpAfter(orders);
}

await main();
