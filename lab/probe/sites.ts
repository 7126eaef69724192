/**
 * Which sites `tlslab probe` connects to: a campaign's targets (lab/proxy/targets.ts, the lists
 * the lab replays) plus control sites no campaign ever listed. A control that is intercepted too
 * means a box that takes every name, not a list.
 */
import { existsSync } from 'node:fs';
import { UserError } from '../errors.ts';
import { isTargetListName, normaliseName, parseTargetFile, readTargetFile, targetList } from '../proxy/targets.ts';
import type { ProbeSite } from './types.ts';

/** never on a Kazakh list, serve HTTPS with a public chain */
export const DEFAULT_CONTROLS: readonly string[] = ['www.wikipedia.org', 'www.example.com'];

/** adult sites on the 2019 list: not something to make a person's connection visit */
const LEFT_OUT = new Set(['rukoeb.com', 'sosalkino.tv']);

/**
 * `spec`: a built-in list name (kz-2019, kz-2020, ooni-2021-2024), a file (one name a line, `#`
 * comments), or comma-separated names. Controls come after the targets, duplicates dropped.
 */
export function probeSites(spec: string, controls: readonly string[] = DEFAULT_CONTROLS): ProbeSite[] {
  const targets = isTargetListName(spec)
    ? targetList(spec).filter((name) => !LEFT_OUT.has(name))
    : existsSync(spec)
      ? readTargetFile(spec)
      : spec.includes('/')
        ? notAFile(spec)
        : parseTargetFile(spec.split(',').join('\n'), '--sites');
  const controlNames = controls.length === 0 ? [] : parseTargetFile(controls.join('\n'), '--controls');
  const seen = new Set<string>();
  const sites: ProbeSite[] = [];
  for (const [names, role] of [[targets, 'target'], [controlNames, 'control']] as const) {
    for (const raw of names) {
      const site = normaliseName(raw);
      if (seen.has(site)) continue;
      seen.add(site);
      sites.push({ site, role });
    }
  }
  if (sites.length === 0) throw new UserError('--sites: no site to probe');
  return sites;
}

function notAFile(spec: string): never {
  throw new UserError(`--sites ${spec}: no such file (and not a list name: kz-2019, kz-2020, ooni-2021-2024)`);
}
