/** Detectors through `tlslab run`: scores in results.json and the table, plug-ins, and the baseline gate. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeScenario, tlslab } from './helpers/cli.ts';


const scenario = nodeScenario('detector-check');

// one plug-in that flags every cell and one that flags none: their baseline can be edited at will
const plugin = (name: string, flagged: boolean) =>
  `export default { name: '${name}', description: 'test', inspect: () => ({ flagged: ${flagged}, confidence: 1, reason: '${name}' }) };\n`;

interface Score {
  name: string;
  tp: number;
  fp: number;
  tn: number;
  fn: number;
  cells: { site: string; flagged: boolean | null; truth: boolean; reason: string }[];
}

test('detectors are scored against the engine truth, into results.json and under the table; a lab key stands in for the real qaznet key', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tlslab-detectors-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 's.yaml'), scenario);
  const r = tlslab(['run', join(dir, 's.yaml'), '--out', join(dir, 'out'), '--reporter', 'table,json']);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /detectors \(detector-check\)\s+TP\s+FP\s+TN\s+FN\s+precision\s+recall/);
  const { detectors } = JSON.parse(readFileSync(join(dir, 'out', 'results.json'), 'utf8')) as { detectors: Score[] };
  const byName = new Map(detectors.map((d) => [d.name, d]));
  assert.deepEqual([...byName.keys()].sort(), ['chain-anchor', 'cross-vantage', 'known-interception', 'tells', 'ttl-hop', 'ua-vs-clienthello']);
  const anchor = byName.get('chain-anchor')!;
  assert.deepEqual([anchor.tp, anchor.fp, anchor.tn, anchor.fn], [1, 0, 1, 0], 'vk.com intercepted and caught, control clean');
  const known = byName.get('known-interception')!.cells.find((c) => c.site === 'vk.com')!;
  assert.equal(known.flagged, true, known.reason);
  assert.match(known.reason, /stand-in for the known interception key/);
  assert.equal(byName.get('ttl-hop')!.cells[0]!.flagged, null, 'no routers on loopback: skipped, never guessed');
});

test('--baseline: exit 0 when nothing regressed, exit 1 naming each lost true positive and gained false positive', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tlslab-detectors-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 's.yaml'), scenario);
  writeFileSync(join(dir, 'always.mjs'), plugin('always', true));
  writeFileSync(join(dir, 'never.mjs'), plugin('never', false));
  const args = ['run', join(dir, 's.yaml'), '--detectors', 'chain-anchor', '--detector-plugin', join(dir, 'always.mjs'), join(dir, 'never.mjs')];

  const first = tlslab([...args, '--out', join(dir, 'base'), '--reporter', 'json']);
  assert.equal(first.status, 0, first.stdout + first.stderr);
  const same = tlslab([...args, '--reporter', 'table', '--baseline', join(dir, 'base')]);
  assert.equal(same.status, 0, same.stdout + same.stderr);
  assert.match(same.stdout, /no regression against the baseline/);

  // rewrite history: "always" used to be quiet on the control site, "never" used to catch vk.com
  const edited = join(dir, 'edited');
  cpSync(join(dir, 'base'), edited, { recursive: true });
  const file = join(edited, 'results.json');
  const results = JSON.parse(readFileSync(file, 'utf8')) as { detectors: Score[] };
  for (const d of results.detectors) {
    for (const c of d.cells) {
      if (d.name === 'always' && c.site === 'control.example.kz') c.flagged = false;
      if (d.name === 'never' && c.site === 'vk.com') Object.assign(c, { flagged: true, reason: 'caught it once' });
    }
  }
  writeFileSync(file, JSON.stringify(results));
  const worse = tlslab([...args, '--reporter', 'table', '--baseline', file]);
  assert.equal(worse.status, 1, worse.stdout + worse.stderr);
  assert.match(worse.stdout, /2 regressions against the baseline/);
  assert.match(worse.stdout, /lost true positive\s+never: installed \/ node \/ vk\.com \(was: caught it once\)/);
  assert.match(worse.stdout, /gained false positive always: installed \/ node \/ control\.example\.kz/);
});

test('detector flags: unknown names and a missing baseline are usage errors (exit 2, no stack)', () => {
  const unknown = tlslab(['run', 'kz-2019-qaznet', '--detectors', 'chain-anchor,psychic']);
  assert.equal(unknown.status, 2, unknown.stderr);
  assert.match(unknown.stderr, /unknown detector "psychic"; valid: all, chain-anchor/);
  const missing = tlslab(['run', 'kz-2019-qaznet', '--baseline', '/nonexistent/results.json']);
  assert.equal(missing.status, 2, missing.stderr);
  assert.match(missing.stderr, /--baseline \/nonexistent\/results.json: no such file or directory/);
  assert.doesNotMatch(unknown.stderr + missing.stderr, /\n\s+at /);
});
