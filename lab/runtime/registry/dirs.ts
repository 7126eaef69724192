/**
 * Removing a lab's temp dir. Key logs (TLS session secrets) go first, so an interrupted removal
 * never leaves them as the last thing standing. Only dirs named like the lab's own (tlslab-*), and
 * never through a symlink, whatever a record says.
 */
import { lstatSync, readdirSync, rmSync, unlinkSync } from 'node:fs';
import { basename, join } from 'node:path';

const LAB_DIR_NAME = /^tlslab-[\w.-]+$/;
/** engine-keys.log, a cell's <capture>.keys, any *keylog* file */
const KEY_LOG = /keys?\.log$|\.keys$|keylog/i;

export interface RemovedDir {
  path: string;
  keyLogs: number;
  bytes: number;
}

export function isLabDirName(path: string): boolean {
  return LAB_DIR_NAME.test(basename(path));
}

function walk(dir: string, visit: (file: string, size: number) => void): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, visit);
    else if (entry.isFile()) {
      try {
        visit(path, lstatSync(path).size);
      } catch {
        // removed meanwhile
      }
    }
  }
}

/** undefined when there was nothing to remove */
export function removeLabDir(path: string): RemovedDir | undefined {
  if (!isLabDirName(path)) throw new Error(`refusing to remove ${path}: not a lab dir (tlslab-*)`);
  let stat;
  try {
    stat = lstatSync(path);
  } catch {
    return undefined;
  }
  if (!stat.isDirectory()) throw new Error(`refusing to remove ${path}: not a directory`);
  let keyLogs = 0;
  let bytes = 0;
  walk(path, (file, size) => {
    bytes += size;
    if (!KEY_LOG.test(basename(file))) return;
    try {
      unlinkSync(file);
      keyLogs++;
    } catch {
      // gone already
    }
  });
  // a process killed an instant ago may still be writing: retry on ENOTEMPTY
  rmSync(path, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  return { path, keyLogs, bytes };
}
