/**
 * Cell attribution with real clients, four units at once: interception, a plain passthrough, and
 * a target whose invalid origin makes the 2019 trigger pass it through. Every cell's truth must
 * agree with the chain its own client saw, and no connection may belong to two cells.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ScenarioResult } from '../../harness/runner/results.ts';
import type { RecordsReport } from '../../harness/runner/records.ts';
import { tlslab } from './helpers/cli.ts';
import { skipReason as netnsSkip } from '../netns/support.ts';

const MIXED = `id: mixed-attribution
authority: { preset: qaznet-2019 }
interception:
  targets: [vk.com, www.facebook.com]
  forging: kz-2019
  upstream: { verify: true, interceptOnlyIfUpstreamValid: true }
sites:
  - vk.com                      # targeted, valid origin: intercepted
  - { name: www.facebook.com, certificate: self-signed }   # targeted, but the 2019 trigger passes a broken origin through
  - control.example.kz          # not targeted: passed through
clients: [curl, openssl, node]
states:
  - name: not-installed
    expect: { "*": refused, control.example.kz: loaded }
  - name: installed
    trust: [rogue]
    expect: { "*": loaded, www.facebook.com: refused }
  - name: installed-twice
    trust: [rogue]
    expect: { "*": loaded, www.facebook.com: refused }
`;

const FORGED_ISSUER = /CN=Security Certificate/;

/** `direct`: sites whose flows never meet the box (netns selects the targets' addresses only) */
function checkAttribution(result: ScenarioResult, records: RecordsReport, direct: readonly string[] = []): void {
  const ran = result.rows.filter((r) => r.skipped === undefined);
  assert.equal(ran.length, 3 * 3 * 3);
  const owners = new Map<number, string>();
  for (const row of ran) {
    const cell = `${row.state}/${row.client}/${row.site}`;
    assert.ok(row.truth, `${cell}: a truth from the record`);
    if (direct.includes(row.site)) {
      const record = records.cells.find((c) => c.cell.state === row.state && c.cell.client === row.client && c.cell.site === row.site);
      assert.deepEqual(row.connections, [], `${cell}: never met the box`);
      assert.ok((record?.originContacts.length ?? 0) > 0, `${cell}: the origin recorded the client's own connection`);
    } else assert.ok((row.connections ?? []).length > 0, `${cell}: reached the box`);
    for (const conn of row.connections ?? []) {
      assert.equal(owners.get(conn), undefined, `connection ${conn} belongs to ${owners.get(conn)} and to ${cell}`);
      owners.set(conn, cell);
    }
    const expected = row.site === 'vk.com' ? 'intercepted' : 'clean';
    assert.equal(row.truth.status, expected, `${cell}: ${row.truth.reason}`);
    // what the client itself saw agrees with the record: the forged issuer exactly where the box forged
    if (row.actual.chain) assert.equal(FORGED_ISSUER.test(row.actual.chain.issuer), expected === 'intercepted', `${cell}: client saw ${row.actual.chain.issuer}`);
  }
  // the record keeps, per cell, the very chain the box served on that cell's own connection
  for (const cell of records.cells.filter((c) => c.truth.status === 'intercepted')) {
    const served = cell.connections.flatMap((c) => c.events).find((e) => e.type === 'served');
    assert.ok(served && served.type === 'served' && served.sni === cell.cell.site);
  }
  assert.equal(records.strays.length, 0, 'no connection of these CLI clients went unattributed');
}

async function runMixed(runtime: string): Promise<{ result: ScenarioResult; records: RecordsReport; status: number | null; output: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'tlslab-attribution-'));
  try {
    writeFileSync(join(dir, 'mixed.yaml'), MIXED);
    const r = tlslab(['run', join(dir, 'mixed.yaml'), '--runtime', runtime, '--concurrency', '4', '--no-capture', '--detectors', 'none', '--reporter', 'json', '--out', join(dir, 'out')]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const read = <T>(file: string) => JSON.parse(readFileSync(join(dir, 'out', file), 'utf8')) as T;
    return { result: read('results.json'), records: read('records.json'), status: r.status, output: r.stdout + r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('loopback, --concurrency 4: every cell\'s truth equals what its client saw; no connection in two cells', { timeout: 120_000 }, async () => {
  const run = await runMixed('loopback');
  assert.equal(run.status, 0, run.output);
  checkAttribution(run.result, run.records);
});

test('netns, --concurrency 4: the same, each unit in its own client namespace', { skip: netnsSkip, timeout: 180_000 }, async () => {
  const run = await runMixed('netns');
  assert.equal(run.status, 0, run.output);
  checkAttribution(run.result, run.records, ['control.example.kz']);
});
