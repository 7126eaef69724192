/**
 * The reporters from the command line: progress in a pipe, --lang, reporter choices, a reporter
 * that cannot write (exit 1, the others still written), and `tlslab show-report` on loopback.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { nodeScenario, tlslab } from '../harness/helpers/cli.ts';
import { CORPUS } from './helpers/runs.ts';

function withDir(body: (dir: string) => Promise<void> | void) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tlslab-report-cli-'));
    try {
      await body(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test('a live run in a pipe: one plain progress line per finished unit on stderr, the table alone on stdout', withDir((dir) => {
  writeFileSync(join(dir, 's.yaml'), nodeScenario('progress-check'));
  const r = tlslab(['run', join(dir, 's.yaml'), '--out', join(dir, 'out')]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  // a run first clears what dead runs left (another test's SIGKILL, a crash): that line may come first
  const lines = r.stderr.trimEnd().split('\n').filter((line) => !line.startsWith('tlslab: removed what'));
  assert.equal(lines[0], 'tlslab: running progress-check on loopback (2 cells)');
  assert.match(lines[1] ?? '', /^\[2\/2\] ✓ progress-check installed\/node: 2 passed, 0 failed, 0 skipped — \d+\.\d s$/);
  assert.match(lines[2] ?? '', /^tlslab: wrote .*report\.html$/);
  assert.equal(lines.length, 4, r.stderr);
  assert.doesNotMatch(r.stderr + r.stdout, /[\r\x1b]/);
  assert.doesNotMatch(r.stdout, /running|\[\d+\/\d+\]/, 'progress never lands in the table');
  assert.ok(existsSync(join(dir, 'out', 'report.html')), 'the HTML report is on by default');
}));

test('--lang ru: the table, its scores (under their own rule) and the closing lines in Russian', () => {
  const r = tlslab(['detect', join(CORPUS, 'kz-2019-transparent-netns'), '--reporter', 'table', '--lang', 'ru']);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^состояние\s+сайт\s+curl/m);
  assert.match(r.stdout, /^строк: 18; успешно: 18, с ошибкой: 0, пропущено: 0 — 0,0 с$/m);
  assert.match(r.stdout, /\n\nдетекторы — kz-2019-transparent\nдетектор\s+TP\s+FP\s+TN\s+FN\s+пропущено\s+недоступно\s+точность\s+полнота\n-+  --  --/);
  assert.match(r.stderr, /^tlslab: успешно: 18, с ошибкой: 0, пропущено: 0$/m);
});

test('reporter and language flags: one progress reporter at most, known languages only (exit 2, one line)', () => {
  const two = tlslab(['detect', join(CORPUS, 'kz-2019-loopback'), '--reporter', 'table,list,dot']);
  assert.equal(two.status, 2);
  assert.match(two.stderr, /list and dot both show progress; choose one of list, line, dot/);
  const lang = tlslab(['detect', join(CORPUS, 'kz-2019-loopback'), '--lang', 'de']);
  assert.equal(lang.status, 2);
  assert.match(lang.stderr, /--lang.*'de' is invalid.*en, ru, kk/);
});

test('a reporter that cannot write fails the run (exit 1, named), and every other report is still written', withDir((dir) => {
  const out = join(dir, 'out');
  mkdirSync(join(out, 'report.html'), { recursive: true });
  const r = tlslab(['detect', join(CORPUS, 'kz-2019-loopback'), '--out', out, '--reporter', 'json,junit,html']);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /^tlslab: the html reporter failed: .*EISDIR/m);
  assert.ok(existsSync(join(out, 'results.json')) && existsSync(join(out, 'junit.xml')));
}));

function get(url: string, method = 'GET'): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    });
    req.on('error', reject).end();
  });
}

test('show-report serves the run dir on 127.0.0.1 only, never a file outside it, and stops on Ctrl-C', withDir(async (dir) => {
  const out = join(dir, 'out');
  assert.equal(tlslab(['detect', join(CORPUS, 'kz-2019-loopback'), '--out', out, '--reporter', 'json,html']).status, 0);
  writeFileSync(join(dir, 'secret.txt'), 'outside the report dir');
  const child = spawn(process.execPath, ['bin/tlslab.js', 'show-report', out, '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let stderr = '';
      const timer = setTimeout(() => reject(new Error(`no URL within 60 s: ${stderr}`)), 60_000);
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        stderr += d;
        const found = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stderr);
        if (found) {
          clearTimeout(timer);
          resolve(found[1]!);
        }
      });
      child.once('exit', (code) => reject(new Error(`show-report exited ${code}: ${stderr}`)));
    });
    const page = await get(url);
    assert.equal(page.status, 200);
    assert.match(page.type, /^text\/html/);
    assert.match(page.body, /<title>TLS interception report — kz-2019-qaznet<\/title>/);
    assert.equal((await get(`${url}results.json`)).status, 200);
    assert.equal((await get(`${url}..%2fsecret.txt`)).status, 404);
    assert.equal((await get(`${url}%2e%2e/secret.txt`)).status, 404);
    assert.equal((await get(url, 'POST')).status, 405);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    assert.equal(await exited, 0);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}));

test('show-report without a report: one line, exit 2', withDir((dir) => {
  const r = tlslab(['show-report', dir]);
  assert.equal(r.status, 2);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /no report\.html in it/);
}));
