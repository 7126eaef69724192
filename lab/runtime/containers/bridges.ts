import { appendFileSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { LabNetwork } from './networks.ts';

/**
 * podman 4.3's service can keep a crashed container's network namespace open until it exits, so
 * the bridge of an already removed network outlives it (netavark only deletes a bridge when
 * tearing down a container, and nothing is left to tear down). The lab records the bridges it
 * made and deletes the empty ones once the service is gone.
 */
export interface BridgeRecord {
  bridge: string;
  /** the host's address on it; absent for networks the host has no address on */
  bridgeAddress?: string;
}

const FILE = 'bridges.jsonl';

export function recordBridge(dir: string | undefined, network: LabNetwork): void {
  if (!dir || !network.bridge) return;
  const record: BridgeRecord = { bridge: network.bridge, ...(network.bridgeAddress ? { bridgeAddress: network.bridgeAddress } : {}) };
  appendFileSync(join(dir, FILE), JSON.stringify(record) + '\n');
}

export function readBridgeRecords(dir: string | undefined): BridgeRecord[] {
  if (!dir || !existsSync(join(dir, FILE))) return [];
  return readFileSync(join(dir, FILE), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as BridgeRecord);
}

function ipv4Addresses(name: string): string[] {
  const out = spawnSync('ip', ['-4', '-o', 'addr', 'show', 'dev', name], { encoding: 'utf8' }).stdout;
  return [...out.matchAll(/inet (\d+\.\d+\.\d+\.\d+)\//g)].map((m) => m[1]!);
}

/** Deletes recorded bridges that are empty and still look like ours (podman reuses names). */
export function sweepRecordedBridges(records: BridgeRecord[]): string[] {
  const removed: string[] = [];
  for (const { bridge, bridgeAddress } of records) {
    if (!/^podman\d+$/.test(bridge) || !existsSync(`/sys/class/net/${bridge}/bridge`)) continue;
    if (readdirSync(`/sys/class/net/${bridge}/brif`).length > 0) continue;
    const addresses = ipv4Addresses(bridge);
    const ours = bridgeAddress ? addresses.length === 1 && addresses[0] === bridgeAddress : addresses.length === 0;
    if (ours && spawnSync('ip', ['link', 'del', bridge]).status === 0) removed.push(bridge);
  }
  return removed;
}
