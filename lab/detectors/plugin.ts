/**
 * Plug-in detectors. Two forms, one contract:
 *  - a JS/TS module (.js .mjs .cjs .ts .mts) whose default export is a Detector;
 *  - any executable: evidence JSON on stdin, one finding JSON on stdout
 *    ({"flagged","confidence","reason"} or {"skipped"}), exit 0.
 * The evidence holds no ground truth (lab/detectors/evidence.ts). Anything off contract (timeout, non-zero exit, bad JSON, a
 * finding out of shape) is a PluginError naming the plug-in, never a silent "not flagged".
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { findingSchema, type Detector, type Finding } from './types.ts';
import { UserError } from '../errors.ts';
import { forgetProcess, registerProcess } from '../runtime/registry/run.ts';

export class PluginError extends UserError {
  readonly plugin: string;
  constructor(plugin: string, message: string) {
    super(`detector plug-in ${plugin}: ${message}`);
    this.name = 'PluginError';
    this.plugin = plugin;
  }
}

export interface PluginOptions {
  /** per inspect call, for executables; default 10 s */
  timeoutMs?: number;
}

const MODULE_EXTENSIONS = new Set(['.js', '.mjs', '.cjs', '.ts', '.mts']);
const DEFAULT_TIMEOUT_MS = 10_000;
const OUTPUT_LIMIT = 1 << 20;

export async function loadPlugins(paths: readonly string[], options: PluginOptions = {}): Promise<Detector[]> {
  return Promise.all(paths.map((path) => loadPlugin(path, options)));
}

export async function loadPlugin(path: string, options: PluginOptions = {}): Promise<Detector> {
  const absolute = resolve(path);
  if (MODULE_EXTENSIONS.has(extname(absolute))) return loadModulePlugin(absolute);
  try {
    await access(absolute, constants.X_OK);
  } catch {
    throw new PluginError(`"${path}"`, `not found or not executable (chmod +x), and not a module (${[...MODULE_EXTENSIONS].join(' ')})`);
  }
  return executablePlugin(absolute, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
}

const moduleShape = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, . _ -'),
  description: z.string().optional(),
  inspect: z.custom<Detector['inspect']>((value) => typeof value === 'function', 'must be a function'),
});

async function loadModulePlugin(absolute: string): Promise<Detector> {
  const label = `"${absolute}"`;
  let loaded: { default?: unknown };
  try {
    loaded = (await import(pathToFileURL(absolute).href)) as { default?: unknown };
  } catch (err) {
    throw new PluginError(label, `cannot be imported: ${(err as Error).message}`);
  }
  const shape = moduleShape.safeParse(loaded.default);
  if (!shape.success) {
    throw new PluginError(label, `default export is not a Detector { name, description, inspect }: ${z.prettifyError(shape.error)}`);
  }
  const plugin = loaded.default as Detector;
  const name = plugin.name;
  return {
    name,
    description: plugin.description ?? `plug-in module ${basename(absolute)}`,
    async inspect(evidence, run) {
      let raw: unknown;
      try {
        raw = await plugin.inspect(evidence, run);
      } catch (err) {
        throw new PluginError(`"${name}" (${absolute})`, `inspect threw: ${(err as Error).message}`);
      }
      return checkFinding(`"${name}" (${absolute})`, raw);
    },
  };
}

function executablePlugin(absolute: string, timeoutMs: number): Detector {
  const name = basename(absolute, extname(absolute));
  const label = `"${name}" (${absolute})`;
  return {
    name,
    description: `plug-in executable ${basename(absolute)}`,
    async inspect(evidence) {
      const stdout = await runExecutable(label, absolute, JSON.stringify(evidence), timeoutMs);
      let raw: unknown;
      try {
        raw = JSON.parse(stdout);
      } catch {
        throw new PluginError(label, `stdout is not JSON: ${JSON.stringify(stdout.slice(0, 200))}`);
      }
      return checkFinding(label, raw);
    },
  };
}

function checkFinding(label: string, raw: unknown): Finding {
  const finding = findingSchema.safeParse(raw);
  if (!finding.success) {
    throw new PluginError(label, `finding must be {flagged, confidence 0..1, reason} or {skipped}: got ${JSON.stringify(raw)?.slice(0, 200)}`);
  }
  return finding.data;
}

function runExecutable(label: string, absolute: string, input: string, timeoutMs: number): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    // its own process group, so a timeout also ends whatever the plug-in started (sh → sleep)
    const child = spawn(absolute, [], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    // in the run's record, so a harness killed mid-inspection leaves no plug-in running
    if (child.pid !== undefined) {
      const group = child.pid;
      registerProcess(group, { group: true, what: `detector plug-in ${basename(absolute)}` });
      child.once('exit', () => forgetProcess(group));
    }
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
    };
    const fail = (message: string) =>
      settle(() => {
        killGroup(child.pid);
        child.stdout.destroy();
        child.stderr.destroy();
        reject(new PluginError(label, message));
      });
    const timer = setTimeout(() => fail(`timed out after ${timeoutMs} ms`), timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > OUTPUT_LIMIT) fail(`wrote more than ${OUTPUT_LIMIT} bytes to stdout`);
      else stdout.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    // a plug-in may decide without reading its input; a closed stdin is not its error
    child.stdin.on('error', () => undefined);
    child.on('error', (err) => fail(`cannot start: ${err.message}`));
    child.on('close', (code, signal) => {
      if (code !== 0) {
        const tail = Buffer.concat(stderr).toString('utf8').trim().split('\n').slice(-5).join('\n');
        return fail(`exited with ${code ?? signal}${tail ? `: ${tail}` : ''}`);
      }
      settle(() => resolvePromise(Buffer.concat(stdout).toString('utf8').trim()));
    });
    child.stdin.end(input);
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
