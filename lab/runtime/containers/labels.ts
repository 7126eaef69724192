import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { processExists } from '../process-exists.ts';
import { currentRunId } from '../registry/identity.ts';

/** Every container and network the lab creates carries these; the reaper finds leftovers by them. */
export const LAB_LABEL = 'tlslab.lab';
export const LAB_LABEL_VALUE = 'containers';
export const RUN_LABEL = 'tlslab.run';
/** host:pid of the process that owns the run, so a reaper can tell a crashed run from a live one */
export const OWNER_LABEL = 'tlslab.owner';
/** the run record (lab/runtime/registry) of the owning process: what gc and supervisors reap by */
export const REGISTRY_RUN_LABEL = 'tlslab.registry-run';

export function newRunId(): string {
  return `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

export function ownerTag(pid: number = process.pid): string {
  return `${hostname()}:${pid}`;
}

export function runLabels(runId: string, pid: number = process.pid): Record<string, string> {
  return { [LAB_LABEL]: LAB_LABEL_VALUE, [RUN_LABEL]: runId, [OWNER_LABEL]: ownerTag(pid), [REGISTRY_RUN_LABEL]: currentRunId() };
}

/** Whether the owner recorded in a label is a process that is gone (only decidable on this host). */
export function ownerIsGone(owner: string | undefined): boolean {
  if (!owner) return true;
  const sep = owner.lastIndexOf(':');
  const host = owner.slice(0, sep);
  const pid = Number(owner.slice(sep + 1));
  if (host !== hostname() || !Number.isInteger(pid) || pid <= 0) return false;
  return !processExists(pid);
}
