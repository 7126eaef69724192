/**
 * The long-lived JVM behind a java session: compiling Visit.java once per machine (cached under
 * ~/.cache/tlslab by source hash) and a line-in, JSON-line-out conversation with one process.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runClient, tail } from './process.ts';
import { LineChild } from './line-child.ts';
import type { ClientLauncher } from './types.ts';

const VISIT_SOURCE = fileURLToPath(new URL('./java/Visit.java', import.meta.url));
const compiled = new Map<string, Promise<string>>();

/** Directory holding Visit.class; javac runs only when this source has never been compiled here. */
export function compiledVisitClass(javac: string): Promise<string> {
  let pending = compiled.get(javac);
  if (!pending) {
    pending = compile(javac);
    pending.catch(() => compiled.delete(javac));
    compiled.set(javac, pending);
  }
  return pending;
}

/** A compile cache, not a temp dir: kept across runs on purpose, where caches belong (a client container mounts it). */
export function userCacheDir(): string {
  const dir = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'tlslab');
  mkdirSync(dir, { recursive: true });
  return dir;
}

async function compile(javac: string): Promise<string> {
  const hash = createHash('sha256').update(readFileSync(VISIT_SOURCE)).digest('hex').slice(0, 16);
  const classDir = join(userCacheDir(), `java-visit-${hash}`);
  if (existsSync(join(classDir, 'Visit.class'))) return classDir;
  // Compile aside and rename: concurrent runs never see a half-written class dir.
  // staged beside the cache so the rename stays on one filesystem
  const staging = mkdtempSync(join(userCacheDir(), 'java-compile-'));
  const run = await runClient(javac, ['-d', staging, VISIT_SOURCE], { timeoutMs: 120_000 });
  if (run.exitCode !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`javac failed (${run.spawnError ?? `exit ${run.exitCode}`}): ${tail(run.stderr)}`);
  }
  try {
    renameSync(staging, classDir);
  } catch {
    rmSync(staging, { recursive: true, force: true }); // another run won the race
  }
  return classDir;
}

/** a line in (a visit), a JSON line out, from one JVM */
export class VisitJvm extends LineChild {
  constructor(java: string, jvmArgs: string[], classDir: string, programArgs: string[], launcher?: ClientLauncher) {
    super([java, ...jvmArgs, '-cp', classDir, 'Visit', ...programArgs], launcher);
  }
}
