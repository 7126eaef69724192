/**
 * `tlslab run --shard i/n` and `tlslab merge-reports`: three shards of a real grid, merged, equal
 * the unsharded run — the same rows in the same order, and detector scores recomputed over the
 * merged evidence equal to the unsharded run's. The clients are C programs (curl, openssl):
 * a Node client's ClientHello at the origin depends on whether the engine (Node too) resumed an
 * upstream session, which varies with what ran before it, so its ua-vs-clienthello verdict is not
 * a fact of the grid alone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tlslabHere } from './helpers/in-process.ts';
import type { ResultRow as Row } from '../../harness/runner/results.ts';
import type { DetectorScore as Score } from '../../lab/detectors/index.ts';

function run(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/tlslab.js', ...args], { env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const results = (dir: string) => JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as { rows: Row[]; detectors: Score[]; shard?: { current: number; total: number } };
const rowFacts = (r: Row) => [r.state, r.client, r.site, r.expected, r.pass, r.skipped ?? '', r.actual.outcome, r.actual.error, r.truth?.status].join(' | ');
const scoreFacts = (s: Score) => ({ name: s.name, tp: s.tp, fp: s.fp, tn: s.tn, fn: s.fn, skipped: s.skipped, unreachable: s.unreachable, precision: s.precision, recall: s.recall });

// 2 states × 2 clients × 5 sites = 20 cells: shards of 6, 7, 7 cut (state, client) units of 5 sites in the middle
const GRID = ['run', 'kz-2019-qaznet', '--clients', 'curl,openssl', '--states', 'not-installed,installed-after-operator-sms', '--reporter', 'json,junit,tap,html', '--concurrency', '2'];

test('three shards merged equal the unsharded run: rows in grid order, scores recomputed from merged evidence', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tlslab-shard-test-'));
  try {
    const whole = join(dir, 'whole');
    const shards = [1, 2, 3].map((i) => join(dir, `shard-${i}`));
    const done = await Promise.all([run([...GRID, '--out', whole]), ...shards.map((out, i) => run([...GRID, '--shard', `${i + 1}/3`, '--out', out]))]);
    for (const r of done) assert.equal(r.status, 0, r.stdout + r.stderr);

    const parts = shards.map(results);
    assert.deepEqual(parts.map((p) => p.rows.length), [6, 7, 7], 'balanced by cells');
    assert.deepEqual(parts.map((p) => p.shard), [1, 2, 3].map((current) => ({ current, total: 3 })));
    const units = (p: { rows: Row[] }) => new Set(p.rows.map((r) => `${r.state}/${r.client}`));
    assert.ok([...units(parts[0]!)].some((u) => units(parts[1]!).has(u)), 'a unit cut between shards 1 and 2 runs its sites in both');

    const merged = join(dir, 'merged');
    // shards given out of order: merge-reports puts them back in shard order
    const m = await run(['merge-reports', shards[2]!, shards[0]!, shards[1]!, '--out', merged, '--reporter', 'table,json,junit,tap,html']);
    assert.equal(m.status, 0, m.stdout + m.stderr);
    const a = results(whole);
    const b = results(merged);
    assert.equal(b.rows.length, 20);
    assert.deepEqual(b.rows.map(rowFacts), a.rows.map(rowFacts));
    assert.deepEqual(b.detectors.map(scoreFacts), a.detectors.map(scoreFacts));
    assert.equal(b.shard, undefined, 'the merged report is the whole grid');
    // scores are recomputed, not summed: precision and recall are those of the whole grid
    const chain = b.detectors.find((d) => d.name === 'chain-anchor')!;
    assert.equal(chain.tp + chain.fp + chain.tn + chain.fn + chain.skipped + chain.unreachable, 20);

    const evidence = JSON.parse(readFileSync(join(merged, 'evidence.json'), 'utf8')) as { cells: unknown[] };
    const wholeEvidence = JSON.parse(readFileSync(join(whole, 'evidence.json'), 'utf8')) as { cells: unknown[] };
    assert.equal(evidence.cells.length, wholeEvidence.cells.length);
    const testcases = (file: string) => (readFileSync(file, 'utf8').match(/<testcase /g) ?? []).length;
    assert.equal(testcases(join(merged, 'junit.xml')), testcases(join(whole, 'junit.xml')));
    const plan = (file: string) => /^1\.\.(\d+)$/m.exec(readFileSync(file, 'utf8'))?.[1];
    assert.equal(plan(join(merged, 'results.tap')), plan(join(whole, 'results.tap')));
    assert.ok(existsSync(join(merged, 'report.html')));
    assert.match(m.stdout, /20 rows: 20 passed, 0 failed, 0 skipped/);

    // a shard given twice is refused in one line, before anything is written
    const twice = await tlslabHere(['merge-reports', shards[0]!, shards[0]!, '--out', join(dir, 'twice')]);
    assert.equal(twice.status, 2);
    assert.match(twice.stderr, /are both shard 1\/3/);
    assert.equal(twice.stderr.trim().split('\n').length, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('merge-reports on stored shards: grid order from each shard\'s place, one report card per box, scores as tlslab detect gives them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tlslab-merge-test-'));
  try {
    const fixture = join(import.meta.dirname, '../fixtures/runs/kz-2019-loopback');
    const whole = JSON.parse(readFileSync(join(fixture, 'results.json'), 'utf8')) as { scenario: string; runtime: string; rows: Row[] };
    const evidence = JSON.parse(readFileSync(join(fixture, 'evidence.json'), 'utf8')) as { cells: Array<{ state: string; client: string; site: string }> };
    const same = (a: { state: string; client: string; site: string }, b: typeof a) => a.state === b.state && a.client === b.client && a.site === b.site;
    const cut = 33;
    const cards = [[{ box: 'mitmproxy', grade: 'B' }], [{ box: 'mitmproxy', grade: 'B' }, { box: 'squid', grade: 'C' }]];
    const shardDirs = [0, 1].map((i) => {
      const rows = i === 0 ? whole.rows.slice(0, cut) : whole.rows.slice(cut);
      const shardDir = join(dir, `shard-${i + 1}`);
      mkdirSync(shardDir);
      writeFileSync(join(shardDir, 'results.json'), JSON.stringify({ ...whole, rows, detectors: [], shard: { current: i + 1, total: 2 } }));
      writeFileSync(join(shardDir, 'evidence.json'), JSON.stringify({ scenario: whole.scenario, runtime: whole.runtime, cells: evidence.cells.filter((e) => rows.some((r) => same(r, e))) }));
      writeFileSync(join(shardDir, 'boxes.json'), JSON.stringify(cards[i]));
      return shardDir;
    });
    const merged = join(dir, 'merged');
    const m = await tlslabHere(['merge-reports', shardDirs[1]!, shardDirs[0]!, '--out', merged, '--reporter', 'json']);
    assert.equal(m.status, 0, m.stderr);
    const rescored = join(dir, 'rescored');
    const d = await tlslabHere(['detect', fixture, '--out', rescored, '--reporter', 'json']);
    assert.equal(d.status, 0, d.stderr);
    const b = results(merged);
    assert.deepEqual(b.rows.map(rowFacts), whole.rows.map(rowFacts));
    assert.deepEqual(b.detectors.map(scoreFacts), results(rescored).detectors.map(scoreFacts));
    assert.deepEqual(JSON.parse(readFileSync(join(merged, 'boxes.json'), 'utf8')), [{ box: 'mitmproxy', grade: 'B' }, { box: 'squid', grade: 'C' }]);

    // a shard with no cells leaves a run dir with no results.json: said, and the rest merged
    const empty = join(dir, 'empty-shard');
    mkdirSync(empty);
    writeFileSync(join(empty, 'results.tap'), 'TAP version 14\n1..0\n');
    const gap = await tlslabHere(['merge-reports', shardDirs[0]!, empty, '--out', join(dir, 'gap'), '--reporter', 'json']);
    assert.equal(gap.status, 0, gap.stderr);
    assert.match(gap.stderr, /empty-shard: no cells ran there/);
    assert.match(gap.stderr, /merging without shard 2 of 2/);
    assert.equal(results(join(dir, 'gap')).rows.length, cut);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
