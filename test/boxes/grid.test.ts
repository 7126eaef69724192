/**
 * One scenario through every box (issue 13): kz-2019 with curl, openssl and node on loopback
 * through engine, mitmproxy, sslsplit, squid and http-mitm-proxy, and transparently on netns through
 * the boxes that have a transparent mode. Every row passes or is skipped with a declared reason;
 * in every intercepted openssl cell openssl itself was shown the box's forged chain: a leaf the
 * origin does not serve, issued by the scenario's rogue authority.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResultRow } from '../../harness/runner/results.ts';
import { tlslab } from '../harness/helpers/cli.ts';
import { skipReason as netnsSkipReason } from '../netns/support.ts';

const QAZNET_SUBJECTS = /CN=Security Certificate|CN=Qaznet Trust Network/;

function checkGrid(rows: readonly ResultRow[], boxes: readonly string[], skippedBoxes: Record<string, RegExp>): void {
  for (const row of rows) {
    const where = `${row.box} ${row.state}/${row.client}/${row.site}`;
    if (row.skipped !== undefined) {
      assert.ok(skippedBoxes[row.box!]?.test(row.skipped), `${where} skipped: ${row.skipped}`);
      continue;
    }
    assert.ok(row.pass, `${where}: expected ${row.expected}, got ${row.actual.error ?? row.actual.outcome}`);
  }
  for (const box of boxes) {
    if (skippedBoxes[box]) continue;
    const shown = rows.filter((r) => r.box === box && r.client === 'openssl' && r.truth?.status === 'intercepted');
    assert.ok(shown.length >= 4, `${box}: ${shown.length} intercepted openssl cells`);
    for (const row of shown) {
      assert.equal(row.actual.chainSource, 'client', `${box} ${row.state}/${row.site}: the chain is openssl's own report`);
      assert.match(row.actual.chain?.issuer ?? '', QAZNET_SUBJECTS, `${box} ${row.state}/${row.site}: forged by the scenario's authority`);
    }
    const control = rows.filter((r) => r.box === box && r.site === 'control.example.kz' && r.skipped === undefined);
    // sslsplit has no per-name filter: it forges the control site too
    const controlTruth = box === 'sslsplit' ? 'intercepted' : 'clean';
    for (const row of control) assert.equal(row.truth?.status, controlTruth, `${box} ${row.state}/${row.client}/control.example.kz: ${row.truth?.reason}`);
  }
}

test('kz-2019 through engine, mitmproxy, sslsplit, squid and http-mitm-proxy on loopback', { timeout: 600_000 }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tlslab-test-boxes-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const boxes = ['engine', 'mitmproxy', 'sslsplit', 'squid', 'http-mitm-proxy'];
  const r = tlslab(['run', 'kz-2019-qaznet', '--box', boxes.join(','), '--clients', 'curl,openssl,node', '--out', dir, '--reporter', 'table,json', '--no-grade']);
  assert.equal(r.status, 0, r.stdout.slice(-4000) + r.stderr.slice(-2000));
  const rows = (JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as { rows: ResultRow[] }).rows;
  assert.equal(rows.length, boxes.length * 4 * 3 * 5, 'boxes × states × clients × sites');
  checkGrid(rows, boxes, {});
  // what each box cannot express is on the rows it touches
  assert.ok(rows.filter((row) => row.box === 'sslsplit' && row.site === 'control.example.kz').every((row) => row.limitations?.some((l) => /intercepts every name/.test(l))));
  assert.match(r.stdout, /^detector\s+engine\s+mitmproxy\s+sslsplit\s+squid\s+http-mitm-proxy$/m, 'the detector × box matrix');
});

test('kz-2019-transparent through mitmproxy, sslsplit and squid on netns; http-mitm-proxy skipped with its reason', { skip: netnsSkipReason, timeout: 900_000 }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tlslab-test-boxes-netns-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const boxes = ['mitmproxy', 'sslsplit', 'squid', 'http-mitm-proxy'];
  const r = tlslab(['run', 'kz-2019-transparent', '--runtime', 'netns', '--box', boxes.join(','), '--clients', 'curl,openssl,python', '--out', dir, '--reporter', 'table,json', '--no-grade', '--no-capture']);
  assert.equal(r.status, 0, r.stdout.slice(-4000) + r.stderr.slice(-2000));
  const rows = (JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as { rows: ResultRow[] }).rows;
  checkGrid(rows, boxes, { 'http-mitm-proxy': /has no transparent mode/ });
  assert.ok(rows.filter((row) => row.box === 'http-mitm-proxy').every((row) => row.skipped !== undefined));
});
