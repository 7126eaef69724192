/**
 * A run record: one JSON file per lab process, written before the process starts anything and
 * rewritten (atomically) as things are created and removed. Whoever finds the record of a dead
 * process, its supervisor or `tlslab gc`, can remove everything it names and nothing else.
 */
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface RecordedProcess {
  pid: number;
  startTicks: number;
  /** the process leads its own group, and the whole group is the lab's */
  group: boolean;
  what: string;
}

export interface RecordedDir {
  path: string;
  what: string;
}

/** a netns holder and the namespaces it made (name → nsfs inode, 0 until created) */
export interface RecordedNetns {
  labId: string;
  prefix: string;
  mode: 'root' | 'rootless';
  holderPid: number;
  holderStartTicks: number;
  namespaces: Record<string, number>;
}

/**
 * A container engine the run used. Its containers and networks carry the run's id as a label, so
 * even one created an instant before a crash is found by it.
 */
export interface RecordedEngine {
  dockerHost: string;
  /** 'podman' when the lab started the service itself, and must stop it */
  kind: 'podman' | 'external';
  servicePid?: number;
  serviceStartTicks?: number;
  serviceDir?: string;
}

export interface RunRecord {
  version: 1;
  runId: string;
  owner: { pid: number; startTicks: number; command: string };
  startedAt: string;
  /** the process that cleans up after the owner if it dies (supervisor.ts) */
  supervisor?: { pid: number; startTicks: number };
  processes: RecordedProcess[];
  dirs: RecordedDir[];
  netns: RecordedNetns[];
  engines: RecordedEngine[];
  /** sysctls this run holds (sysctl.ts keeps their value before the first holder) */
  sysctls: string[];
}

export function emptyRecord(runId: string, owner: RunRecord['owner']): RunRecord {
  return { version: 1, runId, owner, startedAt: new Date().toISOString(), processes: [], dirs: [], netns: [], engines: [], sysctls: [] };
}

/** nothing left that a clean-up would have to remove */
export function isEmptyRecord(record: RunRecord): boolean {
  return record.processes.length + record.dirs.length + record.netns.length + record.engines.length + record.sysctls.length === 0;
}

export function recordFile(dir: string, runId: string): string {
  return join(dir, `${runId}.json`);
}

export function writeRecord(file: string, record: RunRecord): void {
  const dir = join(file, '..');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(record, null, 1), { mode: 0o600 });
  renameSync(tmp, file);
}

export function readRecord(file: string): RunRecord | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as RunRecord;
  } catch {
    return undefined;
  }
}

export function removeRecord(file: string): void {
  rmSync(file, { force: true });
  rmSync(`${file}.log`, { force: true });
}

export interface FoundRecord {
  file: string;
  /** undefined: unreadable (a half-written file); its owner is unknown, so only the file goes */
  record: RunRecord | undefined;
}

export function listRecords(dir: string): FoundRecord[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((n) => n.endsWith('.json')).map((n) => ({ file: join(dir, n), record: readRecord(join(dir, n)) }));
}

/** the registry dir is private to its user: records name key logs and processes */
export function ensureRegistryDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}
