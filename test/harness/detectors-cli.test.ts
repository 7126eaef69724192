/**
 * Detectors through `tlslab run` and `tlslab detect`: scores in results.json and the table,
 * plug-ins, and the baseline gate, whose failures reach the exit code, JUnit and TAP alike.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeScenario, tlslab } from './helpers/cli.ts';
import type { DetectorScore as Score } from '../../lab/detectors/index.ts';


const scenario = nodeScenario('detector-check');

// one plug-in that flags every cell and one that flags none: their baseline can be edited at will
const plugin = (name: string, flagged: boolean) =>
  `export default { name: '${name}', description: 'test', inspect: () => ({ flagged: ${flagged}, confidence: 1, reason: '${name}' }) };\n`;


test('detectors are scored against each cell\'s recorded truth, into results.json and under the table; a lab key stands in for the real qaznet key', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tlslab-detectors-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 's.yaml'), scenario);
  const r = tlslab(['run', join(dir, 's.yaml'), '--out', join(dir, 'out'), '--reporter', 'table,json']);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /detectors — detector-check\ndetector\s+TP\s+FP\s+TN\s+FN\s+skipped\s+unreachable\s+precision\s+recall/);
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
  const reports = join(dir, 'worse');
  const worse = tlslab([...args, '--reporter', 'table,junit,tap', '--out', reports, '--baseline', file]);
  assert.equal(worse.status, 1, worse.stdout + worse.stderr);
  assert.match(worse.stdout, /✗ detector-check never: 1 lost true positive against the baseline/);
  assert.match(worse.stdout, /lost true positive\s+installed \/ node \/ vk\.com \(was: caught it once\)/);
  assert.match(worse.stdout, /✗ detector-check always: 1 gained false positive against the baseline/);
  assert.match(worse.stdout, /gained false positive installed \/ node \/ control\.example\.kz/);
  assert.match(worse.stdout, /rows: 2 passed, 0 failed, 0 skipped; detectors: 2 of 3 checks failed \(always, never\)/);
  assert.match(worse.stderr, /2 of 3 detector checks failed/);
  // the same failure in the files a CI reads: a red test tab, not a green one on a red job
  const junit = readFileSync(join(reports, 'junit.xml'), 'utf8');
  assert.match(junit, /<testsuites name="tlslab" tests="5" failures="2"/);
  assert.match(junit, /<testcase classname="detector-check\.detectors" name="never">\s*<failure message="1 lost true positive/);
  const tap = readFileSync(join(reports, 'results.tap'), 'utf8');
  assert.match(tap, /^not ok \d+ - detector-check detector never: 1 lost true positive/m);
  assert.match(tap, /^not ok \d+ - detector-check detector always: 1 gained false positive/m);
});

test('--baseline: a dropped plug-in, a baseline of another scenario, or a filtered grid fails unless --allow-missing-baseline', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tlslab-detectors-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 's.yaml'), scenario);
  writeFileSync(join(dir, 'other.yaml'), nodeScenario('other-scenario'));
  writeFileSync(join(dir, 'never.mjs'), plugin('never', false));
  const base = tlslab(['run', join(dir, 's.yaml'), '--detectors', 'chain-anchor', '--detector-plugin', join(dir, 'never.mjs'), '--out', join(dir, 'base'), '--reporter', 'json']);
  assert.equal(base.status, 0, base.stdout + base.stderr);

  const dropped = tlslab(['run', join(dir, 's.yaml'), '--detectors', 'chain-anchor', '--reporter', 'table', '--baseline', join(dir, 'base')]);
  assert.equal(dropped.status, 1, dropped.stdout + dropped.stderr);
  assert.match(dropped.stdout, /✗ detector-check never: scored in the baseline but did not run now/);
  const allowed = tlslab(['run', join(dir, 's.yaml'), '--detectors', 'chain-anchor', '--reporter', 'table', '--baseline', join(dir, 'base'), '--allow-missing-baseline']);
  assert.equal(allowed.status, 0, allowed.stdout + allowed.stderr);

  const none = tlslab(['run', join(dir, 's.yaml'), '--detectors', 'none', '--reporter', 'table', '--baseline', join(dir, 'base')]);
  assert.equal(none.status, 1, '--detectors none against a baseline compares nothing: that is not a pass');

  const other = tlslab(['run', join(dir, 'other.yaml'), '--detectors', 'chain-anchor', '--reporter', 'table', '--baseline', join(dir, 'base')]);
  assert.equal(other.status, 1, other.stdout + other.stderr);
  assert.match(other.stdout, /✗ baseline: the baseline has no results for scenario other-scenario: nothing of it was compared/);
  assert.match(other.stdout, /✗ baseline: the baseline has results for scenario detector-check, which did not run now/);
});

test('tlslab detect re-scores a stored run offline: the same scores as the live run, and the same gate', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tlslab-detectors-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 's.yaml'), scenario);
  writeFileSync(join(dir, 'never.mjs'), plugin('never', false));
  const live = tlslab(['run', join(dir, 's.yaml'), '--out', join(dir, 'live'), '--reporter', 'json']);
  assert.equal(live.status, 0, live.stdout + live.stderr);
  const offline = tlslab(['detect', join(dir, 'live'), '--out', join(dir, 'offline'), '--reporter', 'table,json']);
  assert.equal(offline.status, 0, offline.stdout + offline.stderr);
  const scores = (run: string) => (JSON.parse(readFileSync(join(dir, run, 'results.json'), 'utf8')) as { detectors: Score[] }).detectors;
  assert.deepEqual(scores('offline'), scores('live'));
  assert.match(offline.stdout, /detectors — detector-check/);

  // a plug-in that stopped catching anything, re-scored against the live run as baseline
  writeFileSync(join(dir, 'chain-check.mjs'), plugin('chain-check', true));
  const withPlugin = tlslab(['detect', join(dir, 'live'), '--detector-plugin', join(dir, 'chain-check.mjs'), '--out', join(dir, 'with'), '--reporter', 'json']);
  assert.equal(withPlugin.status, 0, withPlugin.stderr);
  writeFileSync(join(dir, 'chain-check.mjs'), plugin('chain-check', false));
  const regressed = tlslab(['detect', join(dir, 'live'), '--detector-plugin', join(dir, 'chain-check.mjs'), '--baseline', join(dir, 'with'), '--out', join(dir, 'regressed'), '--reporter', 'junit,tap']);
  assert.equal(regressed.status, 1, regressed.stdout + regressed.stderr);
  assert.match(readFileSync(join(dir, 'regressed', 'junit.xml'), 'utf8'), /<testcase classname="detector-check\.detectors" name="chain-check">\s*<failure/);
  assert.match(readFileSync(join(dir, 'regressed', 'results.tap'), 'utf8'), /^not ok \d+ - detector-check detector chain-check: 1 lost true positive/m);

  const empty = mkdtempSync(join(dir, 'empty-'));
  const notARun = tlslab(['detect', empty]);
  assert.equal(notARun.status, 2);
  assert.match(notARun.stderr, /no results\.json in it or in its scenario folders/);
  const manyRuns = tlslab(['detect', dir]);
  assert.equal(manyRuns.status, 2, 'folders of several runs of one scenario are not one run');
  assert.match(manyRuns.stderr, /two results for scenario detector-check/);
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
