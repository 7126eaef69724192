/** Where scenarios live, and what a command-line argument naming one means (a path, or an id). */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { packageRoot } from '../../lab/package-root.ts';
import { UserError } from '../errors.ts';

export const SCENARIO_DIR = join(packageRoot(), 'scenarios/');

export function builtInScenarioFiles(dir = SCENARIO_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort()
    .map((f) => join(dir, f));
}

/** `scenarios/kz-2019-qaznet.yaml`, `./my.yaml` or just `kz-2019-qaznet` (a built-in). */
export function resolveScenarioArgument(arg: string): string {
  if (existsSync(arg)) return resolve(arg);
  for (const ext of ['.yaml', '.yml']) {
    const builtIn = join(SCENARIO_DIR, `${arg}${ext}`);
    if (existsSync(builtIn)) return builtIn;
  }
  const ids = builtInScenarioFiles().map((f) => f.slice(SCENARIO_DIR.length).replace(/\.ya?ml$/, ''));
  throw new UserError(`no scenario file or built-in scenario named "${arg}"; built-in: ${ids.join(', ')}`);
}
