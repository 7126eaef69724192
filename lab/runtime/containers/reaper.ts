import { callEngine, callEngineJson, labelFilter, type EngineEndpoint } from './engine-api.ts';
import { LAB_LABEL, LAB_LABEL_VALUE, OWNER_LABEL, REGISTRY_RUN_LABEL, RUN_LABEL, ownerIsGone } from './labels.ts';

interface LabelledObject {
  Id: string;
  Labels?: Record<string, string> | null;
}

export interface ReapReport {
  containers: string[];
  networks: string[];
}

export type ReapSelection =
  /** one run, whatever state its owner is in */
  | { run: string }
  /** every run of one owning process (host:pid) */
  | { owner: string }
  /** everything of one registry run (lab/runtime/registry): one lab process, pid reuse excluded */
  | { registryRun: string }
  /** every lab run whose owning process has died (a crash, a kill -9) */
  | { stale: true }
  /** everything the lab ever labelled */
  | { all: true };

function selected(labels: Record<string, string> | null | undefined, which: ReapSelection): boolean {
  if (!labels || labels[LAB_LABEL] !== LAB_LABEL_VALUE) return false;
  if ('run' in which) return labels[RUN_LABEL] === which.run;
  if ('owner' in which) return labels[OWNER_LABEL] === which.owner;
  if ('registryRun' in which) return labels[REGISTRY_RUN_LABEL] === which.registryRun;
  if ('stale' in which) return ownerIsGone(labels[OWNER_LABEL]);
  return true;
}

/**
 * Removes lab containers, then lab networks (a network cannot go while a container uses it).
 * Stands in for testcontainers' Ryuk, whose image would have to be pulled from a registry.
 */
export async function reap(endpoint: EngineEndpoint, which: ReapSelection): Promise<ReapReport> {
  const filter = labelFilter([`${LAB_LABEL}=${LAB_LABEL_VALUE}`]);
  const report: ReapReport = { containers: [], networks: [] };
  const containers = await callEngineJson<LabelledObject[]>(endpoint, 'GET', `/containers/json?all=true&filters=${filter}`);
  await Promise.all(
    containers
      .filter((c) => selected(c.Labels, which))
      .map(async (c) => {
        const res = await callEngine(endpoint, 'DELETE', `/containers/${c.Id}?force=true&v=true`);
        if (res.status < 300 || res.status === 404) report.containers.push(c.Id);
      }),
  );
  const networks = await callEngineJson<LabelledObject[]>(endpoint, 'GET', `/networks?filters=${filter}`);
  for (const n of networks.filter((net) => selected(net.Labels, which))) {
    const res = await callEngine(endpoint, 'DELETE', `/networks/${n.Id}`);
    if (res.status < 300 || res.status === 404) report.networks.push(n.Id);
  }
  return report;
}

/** What is still labelled for the lab (for tests and `gc` reports). */
export async function listLabelled(endpoint: EngineEndpoint): Promise<ReapReport> {
  const filter = labelFilter([`${LAB_LABEL}=${LAB_LABEL_VALUE}`]);
  const containers = await callEngineJson<LabelledObject[]>(endpoint, 'GET', `/containers/json?all=true&filters=${filter}`);
  const networks = await callEngineJson<LabelledObject[]>(endpoint, 'GET', `/networks?filters=${filter}`);
  return { containers: containers.map((c) => c.Id), networks: networks.map((n) => n.Id) };
}
