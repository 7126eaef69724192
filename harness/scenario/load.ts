/**
 * YAML file → validated Scenario. Two passes: the zod shape, then the cross-references
 * (names of clients, sites, states, target lists, presets) that a JSON Schema cannot express.
 * Every problem found is reported at once, each with its file, line and YAML path.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { isAuthorityDir } from '../../lab/ca/store.ts';
import { parseDistinguishedName } from '../../lab/ca/names.ts';
import { LineCounter, parseDocument } from 'yaml';
import type { Catalogue } from './catalogue.ts';
import { parseExpectationKey, resolveExpectation } from './expectations.ts';
import { formatPath, lineOf, problemsFromZod, ScenarioError, type Problem } from './problems.ts';
import { scenarioSchema, type Scenario, type Site } from './schema.ts';
import { UserError } from '../errors.ts';

export async function loadScenarioFile(file: string, catalogue: Catalogue): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UserError(`${file}: cannot read scenario (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  return parseScenario(text, file, catalogue);
}

export function parseScenario(text: string, file: string, catalogue: Catalogue): Scenario {
  const lines = new LineCounter();
  // merge keys (<<: *anchor) let a box's expectations reuse another's (scenarios/kz-2019-qaznet.yaml)
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, merge: true });
  if (doc.errors.length > 0) {
    throw new ScenarioError(
      file,
      doc.errors.map((e) => ({ path: 'YAML', line: lines.linePos(e.pos[0]).line, message: e.message.split('\n')[0] ?? e.code })),
    );
  }
  const located = (problems: Problem[]) =>
    new ScenarioError(
      file,
      problems.map((p) => ({ path: formatPath(p.path), line: lineOf(doc, lines, p.path), message: p.message })),
    );

  const parsed = scenarioSchema.safeParse(doc.toJS());
  if (!parsed.success) throw located(problemsFromZod(parsed.error.issues));

  const { $schema: _editorHint, sites, authority, ...rest } = parsed.data;
  const scenario: Scenario = {
    ...rest,
    // a CA directory is named relative to the scenario, like a file an author keeps beside it
    authority: authority.dir === undefined ? authority : { ...authority, dir: resolve(dirname(file), authority.dir) },
    file,
    sites: sites.map((s): Site => (typeof s === 'string' ? { name: s, certificate: 'valid' } : s)),
  };
  const problems = crossReferenceProblems(scenario, catalogue);
  if (problems.length > 0) throw located(problems);
  return scenario;
}

function listed(names: readonly string[]): string {
  return names.length > 0 ? names.join(', ') : '(none)';
}

function duplicates(names: readonly string[]): Map<string, number> {
  const seen = new Set<string>();
  const dup = new Map<string, number>();
  names.forEach((n, i) => (seen.has(n) ? dup.set(n, i) : seen.add(n)));
  return dup;
}

function authorityProblems(a: Scenario['authority'], catalogue: Catalogue): Problem[] {
  const at = (key: string, message: string): Problem => ({ path: ['authority', key], message });
  if (a.dir !== undefined) {
    const extra = (['preset', 'subject', 'key'] as const).filter((k) => a[k] !== undefined);
    if (extra.length > 0) return [at(extra[0]!, `${extra.join(', ')} and dir exclude each other: dir names an existing authority`)];
    if (!isAuthorityDir(a.dir)) return [at('dir', `${a.dir}: no ca.pem (from tlslab ca create) or mitmproxy-ca.pem (a mitmproxy confdir) there`)];
    return [];
  }
  if (a.preset === undefined) return [{ path: ['authority'], message: 'give preset (e.g. qaznet-2019, generic) or dir (an authority directory)' }];
  if (catalogue.presets && !catalogue.presets.includes(a.preset)) return [at('preset', `unknown authority preset "${a.preset}"; valid: ${listed(catalogue.presets)}`)];
  const problems: Problem[] = [];
  for (const key of ['subject', 'key'] as const) {
    if (a[key] !== undefined && a.preset !== 'generic') problems.push(at(key, `applies to preset generic only (${a.preset} copies the real root's fields)`));
  }
  if (a.subject !== undefined && a.preset === 'generic') {
    try {
      parseDistinguishedName(a.subject);
    } catch (err) {
      problems.push(at('subject', (err as Error).message));
    }
  }
  return problems;
}

function crossReferenceProblems(s: Scenario, catalogue: Catalogue): Problem[] {
  const problems: Problem[] = [];
  const add = (path: PropertyKey[], message: string) => problems.push({ path, message });

  const known = catalogue.clients;
  s.clients.forEach((c, i) => {
    if (!known.includes(c)) add(['clients', i], `unknown client "${c}"; valid clients: ${listed(known)}`);
  });
  const checkNamed = (have: readonly string[] | undefined, name: string, path: PropertyKey[], what: string) => {
    if (have && !have.includes(name)) add(path, `unknown ${what} "${name}"; valid: ${listed(have)}`);
  };
  problems.push(...authorityProblems(s.authority, catalogue));
  if (s.interception) {
    const t = s.interception.targets;
    if (typeof t === 'string') checkNamed(catalogue.targetLists, t, ['interception', 'targets'], 'target list');
    checkNamed(catalogue.forgingProfiles, s.interception.forging, ['interception', 'forging'], 'forging profile');
    const boxes = s.interception.box === undefined ? [] : [s.interception.box].flat();
    boxes.forEach((b, i) => checkNamed(catalogue.boxes, b, Array.isArray(s.interception!.box) ? ['interception', 'box', i] : ['interception', 'box'], 'box'));
  }

  const siteNames = s.sites.map((x) => x.name);
  const stateNames = s.states.map((x) => x.name);
  for (const [name, i] of duplicates(s.clients)) add(['clients', i], `"${name}" is listed twice`);
  for (const [name, i] of duplicates(siteNames)) add(['sites', i], `"${name}" is listed twice`);
  for (const [name, i] of duplicates(stateNames)) add(['states', i, 'name'], `"${name}" is used by two states`);
  siteNames.forEach((n, i) => {
    if (s.clients.includes(n)) add(['sites', i], `"${n}" is both a site and a client; expectation keys would be ambiguous`);
  });

  const clients = new Set(s.clients);
  const sites = new Set(siteNames);
  s.states.forEach((state, si) => {
    for (const key of Object.keys(state.expect)) {
      const k = parseExpectationKey(key, clients);
      if (k.client !== undefined && !clients.has(k.client)) {
        add(['states', si, 'expect', key], `"${k.client}" is not a client of this scenario; clients: ${listed(s.clients)}`);
      } else if (k.site !== undefined && !sites.has(k.site)) {
        const kind = key.includes('@') ? 'a site' : 'a client or site';
        add(['states', si, 'expect', key], `"${k.site}" is not ${kind} of this scenario; clients: ${listed(s.clients)}; sites: ${listed(siteNames)}`);
      }
    }
    const missing: string[] = [];
    for (const c of s.clients) {
      for (const site of siteNames) if (!resolveExpectation(state.expect, clients, c, site)) missing.push(`${c}@${site}`);
    }
    if (missing.length > 0) {
      const shown = missing.slice(0, 4).join(', ') + (missing.length > 4 ? `, and ${missing.length - 4} more` : '');
      add(['states', si, 'expect'], `no expectation for ${shown} (add "*", a client, a site or client@site)`);
    }
    for (const [box, expect] of Object.entries(state.boxes ?? {})) {
      checkNamed(catalogue.boxes, box, ['states', si, 'boxes', box], 'box');
      for (const key of Object.keys(expect)) {
        const k = parseExpectationKey(key, clients);
        if (k.client !== undefined && !clients.has(k.client)) add(['states', si, 'boxes', box, key], `"${k.client}" is not a client of this scenario; clients: ${listed(s.clients)}`);
        else if (k.site !== undefined && !sites.has(k.site)) add(['states', si, 'boxes', box, key], `"${k.site}" is not a client or site of this scenario; sites: ${listed(siteNames)}`);
      }
    }
    for (const c of Object.keys(state.settings ?? {})) {
      if (!clients.has(c)) add(['states', si, 'settings', c], `"${c}" is not a client of this scenario; clients: ${listed(s.clients)}`);
    }
  });

  const localise = s.path?.localise;
  if (localise) {
    for (const key of ['site', 'control'] as const) {
      if (!sites.has(localise[key])) add(['path', 'localise', key], `"${localise[key]}" is not a site of this scenario; sites: ${listed(siteNames)}`);
    }
    if (!s.interception) add(['path', 'localise'], 'localising the box needs interception');
  }

  s.allow.forEach((a, i) => {
    if (!clients.has(a.client)) add(['allow', i, 'client'], `"${a.client}" is not a client of this scenario; clients: ${listed(s.clients)}`);
    if (a.site !== undefined && !sites.has(a.site)) add(['allow', i, 'site'], `"${a.site}" is not a site of this scenario; sites: ${listed(siteNames)}`);
    if (a.state !== undefined && !stateNames.includes(a.state)) add(['allow', i, 'state'], `"${a.state}" is not a state of this scenario; states: ${listed(stateNames)}`);
  });
  return problems;
}
