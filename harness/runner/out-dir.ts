/**
 * Output directories are checked before anything runs: a run that would only find out at the end
 * that it cannot write its reports has wasted the whole grid and lost its results. The dir is
 * created, written to once (a probe file, removed again), and any problem is one line, exit 2.
 */
import { accessSync, constants, existsSync, mkdirSync, readdirSync, rmdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UserError } from '../errors.ts';

export interface OutDirCheck {
  /** the flag that named it, for messages */
  flag: string;
  /** refuse a dir that already holds files (unless forced) */
  mustBeEmpty?: { force: boolean; forceFlag: string };
}

function reason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code ?? e.message.split('\n')[0] ?? String(err);
}

/** Creates `path` if needed and proves it writable; `created`: the topmost dir made here, if any. */
export function prepareOutDir(path: string, check: OutDirCheck): { path: string; created?: string } {
  const shown = `${check.flag} ${path}`;
  let existed = false;
  try {
    existed = statSync(path).isDirectory() || fail(`${shown}: exists and is not a directory`);
  } catch (err) {
    if (err instanceof UserError) throw err;
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new UserError(`${shown}: cannot use it (${reason(err)})`);
  }
  if (existed && check.mustBeEmpty && !check.mustBeEmpty.force) {
    const entries = readdirSync(path);
    if (entries.length > 0) {
      const shownEntries = entries.slice(0, 4).join(', ') + (entries.length > 4 ? ', ...' : '');
      throw new UserError(`${shown} is not empty (${shownEntries}); refusing to overwrite it, pass ${check.mustBeEmpty.forceFlag} to write into it anyway`);
    }
  }
  let created: string | undefined;
  if (!existed) {
    try {
      created = makeDirs(resolve(path));
    } catch (err) {
      throw new UserError(`${shown}: cannot create it (${reason(err)})`);
    }
  }
  const probe = join(path, `.tlslab-write-check-${process.pid}`);
  try {
    accessSync(path, constants.W_OK | constants.X_OK);
    writeFileSync(probe, '');
    unlinkSync(probe);
  } catch (err) {
    throw new UserError(`${shown}: not writable (${reason(err)})`);
  }
  return { path: resolve(path), ...(created && { created: resolve(created) }) };
}

/**
 * mkdir -p, one level at a time: Node's recursive mkdir loops forever where mkdir answers ENOENT
 * under an existing parent (/proc). Returns the topmost dir it made.
 */
function makeDirs(path: string): string | undefined {
  const missing: string[] = [];
  for (let dir = path; !existsSync(dir); dir = dirname(dir)) missing.unshift(dir);
  for (const dir of missing) mkdirSync(dir);
  return missing[0];
}

function fail(message: string): never {
  throw new UserError(message);
}

/**
 * For `tlslab run --out`: checked before the lab starts; the dirs created here that are still
 * empty when the process ends (the run stopped before writing anything) are removed again.
 */
export function prepareRunOutDir(path: string): string {
  const prepared = prepareOutDir(path, { flag: '--out' });
  const top = prepared.created;
  if (top) {
    process.once('exit', () => {
      for (let dir = prepared.path; dir.startsWith(top); dir = dirname(dir)) {
        try {
          rmdirSync(dir);
        } catch {
          return; // not empty: something was written
        }
      }
    });
  }
  return path;
}
