/**
 * The flags a Playwright user reaches for: --version, --grep/--grep-invert, --retries (a real
 * flaky cell, shown flaky by every reporter; a cell failing every try failing everywhere), and
 * tlslab.config.json / .ts with defaults and projects, where the command line wins.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { nodeScenario } from './helpers/cli.ts';
import { tlslabHere } from './helpers/in-process.ts';
import { dotReporter } from '../../harness/report/progress/dot.ts';
import { lineReporter } from '../../harness/report/progress/line.ts';
import { english } from '../../harness/i18n/translate.ts';
import type { ResultRow } from '../../harness/runner/results.ts';

const ROOT = resolve(import.meta.dirname, '../..');

function tlslabIn(cwd: string, args: string[], env: Record<string, string> = {}, entry = join(ROOT, 'bin/tlslab.js')) {
  const argv = entry.endsWith('.ts') ? [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), entry, ...args] : [entry, ...args];
  return spawnSync(process.execPath, argv, { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env } });
}

function withDir(body: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'tlslab-flags-test-'));
  try {
    writeFileSync(join(dir, 's.yaml'), nodeScenario('flags-check'));
    body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function withDirAsync(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tlslab-flags-test-'));
  try {
    writeFileSync(join(dir, 's.yaml'), nodeScenario('flags-check'));
    await body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const sitesOf = (out: string) => (JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { rows: ResultRow[] }).rows.map((r) => r.site);

test('--version prints package.json\'s version', () => {
  const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  const r = tlslabIn(ROOT, ['--version']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), version);
});

test('--grep and --grep-invert choose cells by title; a bad or matchless pattern is a usage error', async () => {
  await withDirAsync(async (dir) => {
    const only = tlslabIn(dir, ['run', 's.yaml', '--grep', 'node@vk\\.com$', '--reporter', 'json', '--out', 'grep']);
    assert.equal(only.status, 0, only.stderr);
    assert.deepEqual(sitesOf(join(dir, 'grep')), ['vk.com']);
    const but = tlslabIn(dir, ['run', 's.yaml', '--grep-invert', '@vk', '--reporter', 'json', '--out', 'invert']);
    assert.equal(but.status, 0, but.stderr);
    assert.deepEqual(sitesOf(join(dir, 'invert')), ['control.example.kz']);

    const none = await tlslabHere(['run', join(dir, 's.yaml'), '--grep', 'firefox@']);
    assert.equal(none.status, 2);
    assert.equal(none.stderr, 'tlslab: --grep firefox@: no cell of the 2 selected matches (a cell\'s title reads "flags-check installed node@vk.com")\n');
    const bad = await tlslabHere(['run', join(dir, 's.yaml'), '--grep', 'node@(vk']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /option '--grep <pattern>' argument 'node@\(vk' is invalid\. not a regular expression/);
  });
});

test('--retries: a cell that fails and then passes is flaky in every reporter; one failing every try fails in every reporter; a failed client set-up uses up a try', () => {
  withDir((dir) => {
    const out = join(dir, 'out');
    const r = tlslabIn(dir, ['run', 's.yaml', '--retries', '2', '--reporter', 'table,json,junit,tap,html,list', '--out', out], { TLSLAB_TEST_FAIL_EVERY_TRY: 'control.example.kz', TLSLAB_TEST_FAIL_FIRST_SETUP: '1' }, join(ROOT, 'test/harness/helpers/flaky-tlslab.ts'));
    assert.equal(r.status, 1, 'the cell failing all three tries fails the run');
    // table: the flaky cell passes and says so; the failing one names its tries
    assert.match(r.stdout, /vk\.com\s+✓ loaded \(flaky\)/);
    assert.match(r.stdout, /2 rows: 1 passed, 1 failed, 0 skipped/);
    assert.match(r.stdout, /± installed node@vk\.com: flaky: passed on attempt 3 \(#1: the client's set-up failed: node did not start \(test plug-in\); #2: expected loaded, got ECONNREFUSED\)/);
    assert.match(r.stdout, /✗ installed node@control\.example\.kz: expected loaded, got ECONNREFUSED.*; failed on all 3 attempts/);
    // list (and line in a pipe)
    assert.match(r.stderr, /✗ flags-check installed\/node: 1 passed, 1 failed, 0 skipped, 1 flaky/);
    // json
    const rows = (JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { rows: ResultRow[] }).rows;
    const vk = rows.find((x) => x.site === 'vk.com')!;
    const control = rows.find((x) => x.site === 'control.example.kz')!;
    assert.deepEqual([vk.pass, vk.flaky, vk.attempt, vk.failedAttempts?.length, vk.truth?.status], [true, true, 3, 2, 'intercepted']);
    assert.deepEqual([control.pass, control.flaky, control.attempt, control.failedAttempts?.length], [false, undefined, 3, 2]);
    // the detectors saw the try the row reports
    const evidence = (JSON.parse(readFileSync(join(out, 'evidence.json'), 'utf8')) as { cells: Array<{ site: string; attempt?: number }> }).cells;
    assert.equal(evidence.find((e) => e.site === 'vk.com')?.attempt, 3);
    // junit: passed with a flakyFailure; failed with its failure
    const junit = readFileSync(join(out, 'junit.xml'), 'utf8');
    assert.match(junit, /tests="\d+" failures="1"/);
    assert.match(junit, /name="vk\.com">\s*<flakyFailure message="attempt 1: the client&apos;s set-up failed: [^"]*"[^>]*>\s*<flakyFailure message="attempt 2: expected loaded, got ECONNREFUSED"/);
    assert.match(junit, /name="control\.example\.kz">\s*<failure message="[^"]*failed on all 3 attempts"/);
    // tap
    const tap = readFileSync(join(out, 'results.tap'), 'utf8');
    assert.match(tap, /^ok 1 - flags-check installed node@vk\.com \(flaky: passed on attempt 3/m);
    assert.match(tap, /^not ok 2 - flags-check installed node@control\.example\.kz$/m);
    // html
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    assert.match(html, /✓ loaded \(flaky\)/);
    assert.match(html, /flaky: passed on attempt 3/);

    // dot and line on a terminal, fed the same rows
    const writes: string[] = [];
    const stream = { write: (s: string) => writes.push(s), isTTY: true, columns: 200 } as unknown as NodeJS.WriteStream;
    const context = { lang: 'en' as const, tr: english, outDir: out, stdout: stream, stderr: stream };
    const dot = dotReporter(context);
    for (const row of rows) dot.onCellEnd?.({ scenario: 'flags-check', state: row.state, client: row.client, sites: [row.site] }, row);
    assert.equal(writes.join(''), '±F');
    writes.length = 0;
    const line = lineReporter(context);
    const unit = { scenario: 'flags-check', state: 'installed', client: 'node', sites: rows.map((x) => x.site) };
    line.onBegin?.({ command: 'run', outDir: out, startedAt: new Date(), scenarios: [], cells: 2 });
    line.onUnitEnd?.(unit, rows);
    line.onEnd?.({ runs: [], verdict: { checks: [], problems: [], failed: false }, wallMs: 0 });
    const shown = writes.join("").replace(/\x1b\[[0-9;]*m/g, "");
    assert.match(shown, /± flags-check installed node@vk\.com: flaky: passed on attempt 3/);
    assert.match(shown, /✗ flags-check installed node@control\.example\.kz: .*failed on all 3 attempts/);
  });
});

test('tlslab.config.json: defaults, a project chosen with --project, the command line over both; .ts too; a bad file in one line', async () => {
  await withDirAsync(async (dir) => {
    const config = {
      scenarios: ['s.yaml'],
      reporter: ['json'],
      grepInvert: 'nothing-matches-this',
      projects: [
        { name: 'vk', grep: '@vk\\.com', out: 'runs/vk' },
        { name: 'control', grep: '@control', out: 'runs/control' },
      ],
    };
    writeFileSync(join(dir, 'tlslab.config.json'), JSON.stringify(config));
    const vk = tlslabIn(dir, ['run', '--project', 'vk']);
    assert.equal(vk.status, 0, vk.stderr);
    assert.deepEqual(sitesOf(join(dir, 'runs/vk')), ['vk.com']);
    assert.equal(vk.stdout, '', 'reporter json from the config: no table');

    const file = join(dir, 'tlslab.config.json');
    const unknown = await tlslabHere(['run', '--config', file, '--project', 'nope']);
    assert.equal(unknown.status, 2);
    assert.equal(unknown.stderr, `tlslab: --project nope: ${file} has projects vk, control\n`);

    writeFileSync(file, JSON.stringify({ projects: [{ name: 'x', retries: -1 }] }));
    const bad = await tlslabHere(['run', '--config', file]);
    assert.equal(bad.status, 2);
    assert.equal(bad.stderr, `tlslab: ${file}: projects[0].retries: Too small: expected number to be >=0\n`);
    writeFileSync(file, JSON.stringify({ client: ['curl'] }));
    const typo = await tlslabHere(['run', '--config', file]);
    assert.equal(typo.status, 2);
    assert.match(typo.stderr, /^tlslab: \S+tlslab\.config\.json: client: not a field of a tlslab config \(fields: projects, scenarios, runtime, clients,.*\)\n$/);

    rmSync(join(dir, 'tlslab.config.json'));
    writeFileSync(join(dir, 'tlslab.config.ts'), `const sites: string[] = ['control'];\nexport default { scenarios: ['s.yaml'], reporter: ['json'], out: 'runs/ts', grep: '@' + sites[0] };\n`);
    // .ts through tsx; the command line wins over the file: its --grep and --out
    const ts = tlslabIn(dir, ['run', '--grep', '@vk', '--out', 'runs/flag']);
    assert.equal(ts.status, 0, ts.stderr);
    assert.deepEqual(sitesOf(join(dir, 'runs/flag')), ['vk.com']);
    assert.equal(ts.stdout, '', 'reporter json from the .ts file');
  });
});
