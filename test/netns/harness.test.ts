/**
 * `tlslab run --runtime netns` end to end, through the CLI: the harness starts every client
 * inside the client namespace (Lab.clientLauncher), and a client that cannot be started there is
 * skipped with its reason. The origins' own view proves where clients ran: an untargeted site
 * sees the client namespace's address, a targeted one the gateway's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import type { ScenarioResult } from '../../harness/runner/results.ts';
import type { RecordsReport } from '../../harness/runner/records.ts';
import { netnsTopologySpec } from '../../lab/runtime/netns/runtime.ts';
import { hostPlan, planTopology } from '../../lab/runtime/netns/topology.ts';
import { hostNetnsEntries, skipReason } from './support.ts';

const CLI = fileURLToPath(new URL('../../bin/tlslab.js', import.meta.url));
const KZ_SITES = ['www.facebook.com', 'www.google.com', 'vk.com', 'twitter.com', 'control.example.kz'];

interface CliRun {
  code: number | null;
  stderr: string;
  result: ScenarioResult;
  records: RecordsReport;
  /** tshark's decryption of each intercepted, loaded cell's capture with its key log: the HTTP request URIs */
  decrypted: Map<string, string>;
  /** run records the CLI left behind in its registry (none after a clean teardown) */
  leftoverState: string[];
}

async function tlslab(args: string[]): Promise<CliRun> {
  const out = mkdtempSync(join(tmpdir(), 'tlslab-netns-cli-'));
  const registry = join(out, 'registry');
  try {
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, 'run', ...args, '--runtime', 'netns', '--reporter', 'json', '--out', join(out, 'report')], {
        env: { ...process.env, TLSLAB_REGISTRY_DIR: registry },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.once('error', reject);
      child.once('close', (code) => resolve({ code, stderr }));
    });
    const read = <T>(file: string): T => JSON.parse(readFileSync(join(out, 'report', file), 'utf8')) as T;
    let leftoverState: string[] = [];
    try {
      leftoverState = readdirSync(registry);
    } catch {
      // never created, or removed with its last run
    }
    const result = read<ScenarioResult>('results.json');
    const decrypted = new Map<string, string>();
    for (const row of result.rows) {
      if (row.truth?.status !== 'intercepted' || row.actual.outcome !== 'loaded' || !row.capture?.pcapng || !row.capture.keylog) continue;
      const shown = spawnSync('tshark', ['-n', '-r', join(out, 'report', row.capture.pcapng), '-o', `tls.keylog_file:${join(out, 'report', row.capture.keylog)}`, '-Y', 'http.request', '-T', 'fields', '-e', 'http.request.uri'], { encoding: 'utf8' });
      decrypted.set(`${row.state}/${row.client}/${row.site}`, shown.stdout.trim());
    }
    return { code, stderr, result, records: read('records.json'), decrypted, leftoverState };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

function failures(result: ScenarioResult): string[] {
  return result.rows.filter((r) => r.skipped === undefined && !r.pass).map((r) => `${r.state}/${r.client}@${r.site}: ${r.actual.error} (expected ${r.expected})`);
}

test('tlslab run kz-2019-qaznet --runtime netns: CLI clients and node (a child Node per visit) run in the client namespace', { skip: skipReason, timeout: 60_000 }, async () => {
  const run = await tlslab(['kz-2019-qaznet', '--clients', 'curl,openssl,gnutls,wget,node', '--states', 'not-installed,installed-after-operator-sms']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.result.runtime, 'netns');
  assert.deepEqual(failures(run.result), []);

  const ran = run.result.rows.filter((r) => r.skipped === undefined);
  assert.deepEqual([...new Set(ran.map((r) => r.client))].sort(), ['curl', 'gnutls', 'node', 'openssl', 'wget']);
  assert.equal(ran.length, 2 * 5 * KZ_SITES.length);
  const refusedForged = ran.filter((r) => r.state === 'not-installed' && r.site === 'vk.com');
  assert.ok(refusedForged.every((r) => r.actual.outcome === 'refused' && r.actual.chain?.issuer.includes('CN=Security Certificate')), 'not-installed: the namespace store adds nothing, the forged chain is refused');

  // where the clients really were: the lab's plan (one client namespace per lane) says which address is whose
  const plan = planTopology(netnsTopologySpec(KZ_SITES, { routersBeforeGateway: 2 }, 2));
  const clientAddresses = plan.clients.map((c) => hostPlan(plan, c).interfaces[0]!.address);
  const gatewayTowards = (origin: string) => hostPlan(plan, 'gw').interfaces.find((i) => i.peerHost === origin)!.address;
  const peers = (site: string) => [...new Set(run.records.cells.filter((c) => c.cell.site === site).flatMap((c) => c.originVisits.map((v) => v.peer)))];
  assert.ok(peers('control.example.kz').every((p) => clientAddresses.includes(p)), 'untargeted: the origin sees a client namespace itself');
  assert.deepEqual(peers('vk.com'), [gatewayTowards('origin-s2')], 'targeted: the origin sees the box in the gateway');

  // each cell's truth is its own connection's record; untargeted cells never met the box at all
  for (const row of ran) assert.equal(row.truth?.status, row.site === 'control.example.kz' ? 'clean' : 'intercepted', `${row.state}/${row.client}@${row.site}`);
  assert.ok(ran.filter((r) => r.site === 'control.example.kz').every((r) => r.connections?.length === 0));
  // a capture per cell; an intercepted page decrypts with the cell's own key log to the cell's own request
  assert.ok(ran.every((r) => r.capture?.pcapng), 'every cell has a capture');
  assert.ok(run.decrypted.size >= 5, `decrypted cells: ${[...run.decrypted.keys()].join(', ')}`);
  for (const [cell, uris] of run.decrypted) assert.match(uris, /tlslab-cell=/, `${cell}: ${uris}`);

  assert.deepEqual(run.leftoverState, [], 'the holder was stopped and the run record removed');
  assert.deepEqual(hostNetnsEntries('tlslab-ns-'), []);
});

test('tlslab run kz-2019-transparent --runtime netns: results.json localises the box at the gateway hop, ttl-hop flags it', { skip: skipReason, timeout: 60_000 }, async () => {
  const run = await tlslab(['kz-2019-transparent', '--clients', 'curl,python', '--states', 'not-installed,app-pinned']);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(failures(run.result), []);
  assert.equal(run.result.rows.filter((r) => r.skipped !== undefined).length, 0);

  const plan = planTopology(netnsTopologySpec(['www.facebook.com', 'vk.com', 'control.example.kz'], { routersBeforeGateway: 2 }));
  const gatewayHop = hostPlan(plan, plan.gateway).hop;
  const localisation = run.result.localisation;
  assert.ok(localisation, 'results.json has localisation');
  assert.deepEqual(
    { site: localisation.site, interceptorHop: localisation.interceptorHop, interceptorHost: localisation.interceptorHost, originHop: localisation.originHop },
    { site: 'www.facebook.com', interceptorHop: gatewayHop, interceptorHost: 'gw', originHop: gatewayHop + 1 },
  );

  const ttl = run.result.detectors.find((d) => d.name === 'ttl-hop');
  assert.ok(ttl);
  const cells = ttl.cells;
  assert.ok(cells.length > 0);
  for (const cell of cells.filter((c) => c.site !== 'control.example.kz')) {
    assert.equal(cell.flagged, true, `${cell.client}@${cell.site}`);
    assert.match(cell.reason, new RegExp(`TTL ${gatewayHop}, 1 hop\\(s\\) before the origin`));
  }
  for (const cell of cells.filter((c) => c.site === 'control.example.kz')) assert.equal(cell.flagged, false);
  assert.deepEqual([ttl.fp, ttl.fn], [0, 0]);
});
