/**
 * Named target lists (exact SNI names) from docs/campaigns.md §1.4, and user lists from files.
 * Matching is exact: the 2019 box listed www.google.com and google.com separately.
 */
import { readFileSync } from 'node:fs';
import { UserError } from '../errors.ts';
import type { TargetPolicy } from './types.ts';

/** 2019, "Qaznet Trust Network": the 37 names of the IMC'20 paper, Table 2. */
const KZ_2019 = [
  // Google (20)
  'allo.google.com', 'android.com', 'dns.google.com', 'docs.google.com', 'encrypted.google.com', 'goo.gl',
  'google.com', 'groups.google.com', 'hangouts.google.com', 'mail.google.com', 'messages.android.com',
  'news.google.com', 'picasa.google.com', 'plus.google.com', 'sites.google.com', 'translate.google.com',
  'video.google.com', 'www.google.com', 'www.youtube.com', 'youtube.com',
  // Facebook (7)
  'cdninstagram.com', 'facebook.com', 'instagram.com', 'messenger.com', 'www.facebook.com', 'www.instagram.com',
  'www.messenger.com',
  // Mail.Ru group (7)
  'mail.ru', 'ok.ru', 'tamtam.chat', 'vk.com', 'vk.me', 'vkuseraudio.net', 'vkuservideo.net',
  // Other (3)
  'rukoeb.com', 'sosalkino.tv', 'twitter.com',
] as const;

/**
 * 2020 (ISCA root): no name list was published; Censored Planet's live page says the targets were
 * "similar to 2019: Google, Facebook, Twitter, VK and mail.ru". So: the 2019 list restricted to
 * those five groups (an inference, documented in docs/proxy.md).
 */
const KZ_2020_EXCLUDED = new Set(['rukoeb.com', 'sosalkino.tv']);
const KZ_2020 = KZ_2019.filter((name) => !KZ_2020_EXCLUDED.has(name));

/** 2021–2024: the 14 names OONI saw intercepted, plus m.reactor.cc (Mozilla bug 1879046). */
const OONI_2021_2024 = [
  '360tv.ru', 'astrakhan.sm.news', 'compromat.ru', 'cont.ws', 'knews.kg', 'kz.tsargrad.tv', 'regnum.ru',
  'rutracker.org', 'sproot.it', 'stanradar.com', 'ukraina.ru', 'www.for.kg', 'www.pinterest.com', 'xakep.ru',
  'm.reactor.cc',
] as const;

const TARGET_LISTS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  'kz-2019': Object.freeze([...KZ_2019]),
  'kz-2020': Object.freeze([...KZ_2020]),
  'ooni-2021-2024': Object.freeze([...OONI_2021_2024]),
});

export const TARGET_LIST_NAMES: readonly string[] = Object.freeze(Object.keys(TARGET_LISTS));

export function isTargetListName(value: string): boolean {
  return Object.hasOwn(TARGET_LISTS, value);
}

/** The names of a built-in list; a UserError names the valid lists. */
export function targetList(name: string): readonly string[] {
  const list = TARGET_LISTS[name];
  if (!list) throw new UserError(`unknown target list "${name}"; valid lists: ${TARGET_LIST_NAMES.join(', ')}`);
  return list;
}

/** Lower case, no trailing dot: the form SNI matching compares. */
export function normaliseName(name: string): string {
  const lower = name.trim().toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

const HOST_NAME = /^(?=.{1,253}$)([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/** Parses a user list: one name a line, `#` comments, blank lines ignored. Wildcards are refused. */
export function parseTargetFile(text: string, source = 'target file'): string[] {
  const names: string[] = [];
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) continue;
    const name = normaliseName(line);
    if (name.includes('*')) {
      throw new UserError(`${source}:${index + 1}: "${line}" is a wildcard; lists are exact names (use the wildcard option to intercept everything)`);
    }
    if (!HOST_NAME.test(name)) throw new UserError(`${source}:${index + 1}: "${line}" is not a host name`);
    names.push(name);
  }
  if (names.length === 0) throw new UserError(`${source} lists no names`);
  return names;
}

export function readTargetFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read target list ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseTargetFile(text, path);
}

/** `kz-2019` (a built-in list), `*` (everything, explicit), or a path to a file. */
export function targetPolicyFrom(spec: string): TargetPolicy {
  if (spec === '*') return { names: new Set(), wildcard: true };
  const names = isTargetListName(spec) ? targetList(spec) : readTargetFile(spec);
  return { names: new Set(names.map(normaliseName)) };
}

export function isTarget(policy: TargetPolicy, sni: string | undefined): boolean {
  if (policy.wildcard) return true;
  return sni !== undefined && policy.names.has(normaliseName(sni));
}
