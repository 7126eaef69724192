/**
 * `tlslab probe` where the 2019 box really sat: kz-2019-transparent on the netns runtime, the probe
 * started inside the client namespace. As root it names the gateway's hop (the topology's own
 * number, not a constant); a subscriber without root (the sweep run as nobody with no capabilities
 * by setpriv, so the raw ICMP socket is really refused) gets the same verdict without the hop and
 * the reason why. The probe's JSON for each cell names none of the lab's addresses.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { netnsTopologySpec } from '../../lab/runtime/netns/runtime.ts';
import { hostPlan, planTopology } from '../../lab/runtime/netns/topology.ts';
import { findExecutable } from '../../lab/runtime/find-executable.ts';
import { skipReason } from '../netns/support.ts';
import { IPV4, misjudged, runProbeGrid } from './helpers.ts';

const BUILT_IN = fileURLToPath(new URL('../../scenarios/kz-2019-transparent.yaml', import.meta.url));
const skip = skipReason || (findExecutable('setpriv') ? false : 'setpriv (util-linux) is not installed');

test('probe on netns (kz-2019-transparent): intercepted at the gateway hop as root; without root the same verdict, the TTL part skipped with its reason', { skip, timeout: 240_000 }, async () => {
  // the built-in scenario, plus one state: the same subscriber, without root
  const scenario = parse(readFileSync(BUILT_IN, 'utf8')) as { states: Array<Record<string, unknown>> };
  scenario.states.push({
    name: 'subscriber-without-root',
    trust: [],
    settings: { probe: { withoutRoot: true } },
    expect: { probe: 'intercepted', 'probe@control.example.kz': 'not-intercepted', '*': 'loaded' },
  });
  const dir = mkdtempSync(join(tmpdir(), 'tlslab-probe-netns-'));
  try {
    const file = join(dir, 'kz-2019-transparent.yaml');
    writeFileSync(file, stringify(scenario));
    const run = await runProbeGrid([file, '--runtime', 'netns', '--no-capture']);
    assert.equal(run.code, 0, run.stderr);
    const [result] = run.results;
    assert.ok(result);
    assert.equal(result.rows.filter((r) => r.skipped !== undefined).length, 0);
    assert.deepEqual(result.rows.filter((r) => !r.pass).map((r) => `${r.state}/${r.site}: ${r.actual.error} (expected ${r.expected})`), []);
    assert.deepEqual(misjudged(result), { fp: [], fn: [] });

    const plan = planTopology(netnsTopologySpec(['www.facebook.com', 'vk.com', 'control.example.kz'], { routersBeforeGateway: 2 }));
    const gatewayHop = hostPlan(plan, plan.gateway).hop;
    const targets = (state: string) => result.rows.filter((r) => r.state === state && r.site !== 'control.example.kz');
    for (const state of ['not-installed', 'installed-after-operator-sms', 'app-pinned']) {
      // the scenario says intercepted:hop-gateway; the lab resolves it from its own topology
      assert.deepEqual(targets(state).map((r) => r.expected), [`intercepted:hop-${gatewayHop}`, `intercepted:hop-${gatewayHop}`], state);
      assert.deepEqual(targets(state).map((r) => r.actual.error), [`intercepted:hop-${gatewayHop}`, `intercepted:hop-${gatewayHop}`], state);
    }
    const withoutRoot = targets('subscriber-without-root');
    assert.deepEqual(withoutRoot.map((r) => r.actual.error), ['intercepted', 'intercepted']);
    for (const row of withoutRoot) assert.match(row.actual.detail ?? '', /ttl: skipped \(the TTL part needs a raw ICMP socket, i\.e\. root \(CAP_NET_RAW\): PermissionError/);

    const labAddresses = plan.hosts.flatMap((h) => h.interfaces.map((i) => i.address));
    assert.ok(run.reports.length >= 12);
    for (const { file: json, text } of run.reports) {
      assert.doesNotMatch(text, IPV4, json);
      for (const address of labAddresses) assert.ok(!text.includes(address), `${json} names ${address}`);
    }
    const located = run.reports.map((r) => r.report.sites[0]!).filter((s) => s.hop !== undefined);
    assert.ok(located.length >= 6);
    for (const site of located) {
      assert.ok(!('skipped' in site.ttl));
      if ('skipped' in site.ttl) continue;
      // the routers before the gateway said Time Exceeded on the raw socket (their addresses are not in this JSON)
      assert.ok(site.ttl.siteSweep.slice(0, gatewayHop - 1).every((s) => s.outcome === 'time-exceeded' || s.outcome === 'no-answer'));
      assert.equal(site.ttl.siteSweep.at(-1)?.outcome, 'forged-certificate');
    }
    assert.ok(located.some((s) => !('skipped' in s.ttl) && s.ttl.siteSweep.some((step) => step.outcome === 'time-exceeded')), 'the raw socket heard Time Exceeded');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
