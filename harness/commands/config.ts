/**
 * tlslab.config.json (or tlslab.config.ts, loaded through tsx like the CLI itself): defaults for
 * `tlslab run` and named projects, as in Playwright. A project is a set of the same fields under a
 * name; `--project NAME` lays it over the top-level defaults. Flags given on the command line win
 * over both. A bad file stops the run with one line naming the file and the field.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { z } from 'zod';
import { UserError } from '../errors.ts';
import { LANGS } from '../i18n/lang.ts';
import { PROGRESS_REPORTERS, REPORTERS } from '../report/reporters.ts';
import { formatPath } from '../scenario/problems.ts';
import { BOX_NAMES } from '../../lab/boxes/index.ts';
import { labCatalogue } from '../runner/lab-catalogue.ts';
import { runtimeNames } from '../runner/runtimes.ts';

export const CONFIG_FILES = ['tlslab.config.json', 'tlslab.config.ts'] as const;

const names = z.array(z.string().min(1)).min(1);
const pattern = z.string().refine((p) => {
  try {
    new RegExp(p);
    return true;
  } catch {
    return false;
  }
}, 'not a regular expression');

/** The run flags a config may set, by their camelCase names (`--grep-invert` is grepInvert). */
const oneOf = (valid: () => readonly string[], what: string) =>
  z.array(z.string().min(1)).min(1).superRefine((given, ctx) => {
    const unknown = given.filter((n) => !valid().includes(n));
    if (unknown.length > 0) ctx.addIssue({ code: 'custom', message: `unknown ${what} ${unknown.join(', ')}; valid: ${valid().join(', ')}` });
  });

const runFields = {
  scenarios: names.optional(),
  runtime: z
    .string()
    .refine((r) => runtimeNames().includes(r), { error: (issue) => `unknown runtime ${JSON.stringify(issue.input)}; runtimes: ${runtimeNames().join(', ')}` })
    .optional(),
  clients: oneOf(() => labCatalogue().clients, 'client').optional(),
  states: names.optional(),
  box: oneOf(() => BOX_NAMES, 'box').optional(),
  concurrency: z.number().int().min(1).optional(),
  timeout: z.number().int().min(1).optional(),
  retries: z.number().int().min(0).optional(),
  grep: pattern.optional(),
  grepInvert: pattern.optional(),
  reporter: z
    .array(z.enum(REPORTERS as [string, ...string[]]))
    .min(1)
    .refine((r) => r.filter((n) => PROGRESS_REPORTERS.includes(n as never)).length <= 1, `at most one of ${PROGRESS_REPORTERS.join(', ')}`)
    .optional(),
  lang: z.enum(LANGS as unknown as [string, ...string[]]).optional(),
  out: z.string().min(1).optional(),
  detectors: z.string().min(1).optional(),
  capture: z.boolean().optional(),
  grade: z.boolean().optional(),
};

const projectSchema = z.strictObject({ name: z.string().min(1), ...runFields });
const configSchema = z
  .strictObject({ $schema: z.string().optional(), ...runFields, projects: z.array(projectSchema).optional() })
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    for (const [i, p] of (config.projects ?? []).entries()) {
      if (seen.has(p.name)) ctx.addIssue({ code: 'custom', path: ['projects', i, 'name'], message: `a second project named ${p.name}` });
      seen.add(p.name);
    }
  });

export type RunDefaults = z.infer<typeof projectSchema> extends infer P ? Omit<P, 'name'> : never;
export type TlslabConfig = z.infer<typeof configSchema>;

/** The config file to read: --config, else tlslab.config.json or .ts in the working directory (not both). */
export function findConfig(explicit: string | undefined, cwd = process.cwd()): string | undefined {
  if (explicit !== undefined) {
    if (!existsSync(explicit)) throw new UserError(`--config ${explicit}: no such file`);
    return explicit;
  }
  const found = CONFIG_FILES.filter((name) => existsSync(resolve(cwd, name)));
  if (found.length > 1) throw new UserError(`${found.join(' and ')} both exist: keep one, or name it with --config`);
  return found[0];
}

async function readConfig(file: string): Promise<unknown> {
  if (file.endsWith('.ts') || file.endsWith('.mts') || file.endsWith('.js') || file.endsWith('.mjs')) {
    try {
      // tsImport: a .ts beside no package.json of "type": "module" is CommonJS to Node; tsx loads it either way
      const module = (await tsImport(pathToFileURL(resolve(file)).href, import.meta.url)) as { default?: unknown };
      // a CommonJS module's exports come back as the default, its own default inside it
      const exported = module.default as { default?: unknown } | undefined;
      const config = exported !== null && typeof exported === 'object' && 'default' in exported ? exported.default : exported;
      if (config === undefined) throw new UserError(`${file}: no default export (export default { … })`);
      return config;
    } catch (err) {
      if (err instanceof UserError) throw err;
      throw new UserError(`${file}: cannot load it (${(err as Error).message.split('\n')[0]})`);
    }
  }
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UserError(`${file}: not readable JSON (${(err as Error).message.split('\n')[0]})`);
  }
}

export async function loadConfig(file: string): Promise<TlslabConfig> {
  const parsed = configSchema.safeParse(await readConfig(file));
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
  const path = formatPath(keys.length ? [...issue.path, keys[0]!] : issue.path);
  const message = keys.length ? `not a field of a tlslab config (fields: ${['projects', ...Object.keys(runFields)].join(', ')})` : issue.message;
  throw new UserError(`${file}: ${path}: ${message}`);
}

/** Scenario files and the out dir are relative to the config file, as Playwright's paths are; scenario ids stay ids. */
function anchored(defaults: RunDefaults, file: string): RunDefaults {
  const base = dirname(resolve(file));
  const path = (p: string) => relative(process.cwd(), resolve(base, p)) || '.';
  return {
    ...defaults,
    ...(defaults.scenarios && { scenarios: defaults.scenarios.map((s) => (/\.ya?ml$/i.test(s) ? path(s) : s)) }),
    ...(defaults.out !== undefined && { out: path(defaults.out) }),
  };
}

/** The config's defaults with the project's laid over them (--project NAME). */
export function defaultsFor(config: TlslabConfig, file: string, project: string | undefined): RunDefaults {
  const { projects = [], $schema: _schema, ...top } = config;
  if (project === undefined) return anchored(top, file);
  const chosen = projects.find((p) => p.name === project);
  if (!chosen) throw new UserError(`--project ${project}: ${file} has ${projects.length ? `projects ${projects.map((p) => p.name).join(', ')}` : 'no projects'}`);
  const { name: _name, ...fields } = chosen;
  return anchored({ ...top, ...fields }, file);
}
