/**
 * The same scenario through the CLI on two runtimes gives the same grid, row for row: verdict,
 * exact error and chain issuer (harness/runner/grid-parity.ts). kz-2019-qaznet: containers
 * against loopback, both browsers and a CLI, a JVM and a Node client; kz-2019-transparent:
 * containers against netns (loopback skips path scenarios), and both localise the box at the
 * gateway. TLSLAB_PARITY=full runs the five built-in scenarios with all their clients instead
 * (about 10 minutes here: the measurement behind docs/containers.md, too long for every suite run).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ScenarioResult } from '../../harness/runner/results.ts';
import { compareGrids, describeDifferences } from '../../harness/runner/grid-parity.ts';
import { probeContainerEngine } from '../../lab/runtime/containers/service.ts';
import { checkPrivileges } from '../../lab/runtime/netns/privileges.ts';
import { chromiumShim } from '../../lab/clients/chromium.ts';
import { firefoxShim } from '../../lab/clients/firefox.ts';

const CLI = fileURLToPath(new URL('../../bin/tlslab.js', import.meta.url));
const FULL = process.env.TLSLAB_PARITY === 'full';
const containers = probeContainerEngine();
const [chromium, firefox, netns] = await Promise.all([chromiumShim.probe(), firefoxShim.probe(), checkPrivileges()]);
const browsersMissing = !chromium.available ? chromium.reason : !firefox.available ? firefox.reason : undefined;
const skip = containers.available ? (browsersMissing ?? false) : containers.reason;

interface Run {
  code: number | null;
  stderr: string;
  result: ScenarioResult;
  wallMs: number;
}

async function tlslab(scenario: string, runtime: string, args: string[]): Promise<Run> {
  const out = mkdtempSync(join(tmpdir(), 'tlslab-parity-'));
  const started = Date.now();
  try {
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, 'run', scenario, '--runtime', runtime, '--reporter', 'json', '--out', out, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.once('error', reject);
      child.once('close', (code) => resolve({ code, stderr }));
    });
    return { code, stderr, result: JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ScenarioResult, wallMs: Date.now() - started };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

function failed(result: ScenarioResult): string[] {
  return result.rows.filter((r) => r.skipped === undefined && !r.pass).map((r) => `${r.state}/${r.client}@${r.site}: ${r.actual.error} (expected ${r.expected})`);
}

/** a second path that avoids the box exists on every runtime, so cross-vantage decides cells instead of skipping them all */
function assertCrossVantageScores(...results: ScenarioResult[]): void {
  for (const result of results) {
    const score = result.detectors.find((d) => d.name === 'cross-vantage');
    assert.ok(score, `${result.runtime}: cross-vantage scored`);
    assert.ok(score.tp > 0 && score.tn > 0, `${result.runtime}: cross-vantage decided cells (tp ${score.tp}, tn ${score.tn}, skipped ${score.skipped})`);
    assert.equal(score.fp, 0, `${result.runtime}: cross-vantage false positives`);
  }
}

const AGAINST_LOOPBACK: Array<{ scenario: string; args: string[] }> = FULL
  ? ['kz-2019-qaznet', 'kz-2020-isca', 'kz-2024', 'firefox-mitm-canary', 'firefox-strict-pinning'].map((scenario) => ({ scenario, args: [] }))
  : // refusals (and their chain probes), and the browsers' blocklists (Chromium's CRLSet canary runs in the container too)
    [{ scenario: 'kz-2019-qaznet', args: ['--clients', 'chromium,firefox,curl,java,node', '--states', 'not-installed,browsers-respond-aug-2019'] }];

for (const { scenario, args } of AGAINST_LOOPBACK) {
  test(`${scenario}${args.length ? ` (${args.join(' ')})` : ''}: containers and loopback give the same grid, row for row`, { skip, timeout: FULL ? 900_000 : 300_000 }, async (t) => {
    const loopback = await tlslab(scenario, 'loopback', args);
    const inContainers = await tlslab(scenario, 'containers', args);
    t.diagnostic(`wall: loopback ${loopback.wallMs} ms, containers ${inContainers.wallMs} ms`);
    assert.deepEqual(failed(loopback.result), [], loopback.stderr.slice(-1500));
    assert.deepEqual(failed(inContainers.result), [], inContainers.stderr.slice(-1500));
    assert.equal(inContainers.code, 0, inContainers.stderr.slice(-1500));
    assert.equal(inContainers.result.runtime, 'containers');
    const ran = inContainers.result.rows.filter((r) => r.skipped === undefined);
    assert.equal(ran.length, inContainers.result.rows.length, 'every row runs on containers');
    // the grids are equal row for row
    const differences = compareGrids(loopback.result, inContainers.result);
    assert.deepEqual(differences, [], describeDifferences(differences, ['loopback', 'containers']));
    assertCrossVantageScores(loopback.result, inContainers.result);
  });
}

test('kz-2019-transparent: containers and netns give the same grid, and both localise the box at the gateway', { skip: skip || (netns.available ? false : netns.reason), timeout: FULL ? 600_000 : 240_000 }, async (t) => {
  const args = FULL ? [] : ['--clients', 'curl,python,probe', '--states', 'not-installed,app-pinned'];
  const onNetns = await tlslab('kz-2019-transparent', 'netns', args);
  const inContainers = await tlslab('kz-2019-transparent', 'containers', args);
  t.diagnostic(`wall: netns ${onNetns.wallMs} ms, containers ${inContainers.wallMs} ms`);
  assert.equal(inContainers.code, 0, inContainers.stderr.slice(-1500));
  assert.deepEqual(failed(onNetns.result), [], onNetns.stderr.slice(-1500));
  assert.equal(inContainers.result.rows.filter((r) => r.skipped !== undefined).length, 0, 'containers run the path scenario');
  const differences = compareGrids(onNetns.result, inContainers.result);
  assert.deepEqual(differences, [], describeDifferences(differences, ['netns', 'containers']));
  assertCrossVantageScores(onNetns.result, inContainers.result);
  // the runtimes put different numbers of routers before the box; the box and the origin are found the same way
  for (const { result } of [onNetns, inContainers]) {
    const l = result.localisation;
    assert.ok(l, `${result.runtime}: results.json has localisation`);
    assert.deepEqual({ interceptorHost: l.interceptorHost, originHost: l.originHost, next: l.originHop }, { interceptorHost: 'gw', originHost: 'origin', next: (l.interceptorHop ?? -1) + 1 }, result.runtime);
  }
});
