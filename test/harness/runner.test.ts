/**
 * The matrix runner against a scripted runtime and scripted clients: expansion, one prepare per
 * (state, client), skips with reasons, a throwing shim failing its rows, the lab always torn down.
 * The real runtime and real clients are exercised by scenarios.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClientShim, Observation, TrustState } from '../../lab/clients/types.ts';
import type { Lab, Runtime, Topology } from '../../lab/runtime/types.ts';
import type { Route } from '../../lab/clients/types.ts';
import { LaneLedger, type LaneWire } from '../../lab/runtime/lanes.ts';
import { runScenario, type ClientSource } from '../../harness/runner/run-scenario.ts';
import { exitCodeFor } from '../../harness/runner/results.ts';
import { parseScenario } from '../../harness/scenario/load.ts';

const scenarioText = `id: scripted
authority: { preset: qaznet-2019 }
interception: { targets: [vk.com], forging: kz-2019 }
sites: [vk.com, control.example.kz]
clients: [trusting, proxy-only, absent, crashing]
states:
  - name: not-installed
    expect: { "*": exit-60, control.example.kz: loaded }
  - name: installed
    trust: [rogue]
    expect: { "*": loaded }
`;

/**
 * A runtime whose "box" is the test itself: a shim's visit reports the connection it opened on
 * the lane it was given (the route's host names the lane), and the box serves a forgery for
 * vk.com. The real LaneLedger attributes those connections to cells, as in every runtime.
 */
interface ScriptedBox {
  /** what a visit's client did on the wire; returns the connection id the box gave it */
  connect(route: Route, site: string): number;
}

function scriptedRuntime(log: string[], onUp: (box: ScriptedBox) => void = () => undefined): Runtime {
  return {
    name: 'scripted',
    probe: async () => ({ available: true }),
    async up(topology: Topology): Promise<Lab> {
      log.push(`up ${topology.origins.map((o) => o.name).join(',')} intercept=${[...(topology.interception?.targets.names ?? [])].join(',')}`);
      const wire = (id: number): LaneWire => ({
        id,
        url: (site) => `https://${site}:4433/`,
        route: (_site, kind) => ({ kind, host: `127.0.100.${id}`, port: 4433 }),
      });
      const ledger = new LaneLedger([], {
        laneOf: (accepted) => Number(accepted.local.split(':')[0]!.split('.')[3]),
        recordings: { originVisits: () => [], originContacts: () => [], originChainPem: () => [], settle: async () => undefined },
        grow: async (id) => wire(id),
      });
      let conn = 0;
      onUp({
        connect(route, site) {
          const id = ++conn;
          const time = Date.now();
          ledger.feed({ type: 'accepted', conn: id, time, door: 'sni', local: `${route.host}:${route.port}`, remote: `127.0.0.1:${40000 + id}` });
          ledger.feed({ type: 'client-hello', conn: id, time, sni: site });
          if (site === 'vk.com') ledger.feed({ type: 'served', conn: id, time, forged: true, sni: site, chainPem: [] });
          else ledger.feed({ type: 'decision', conn: id, time, action: 'passthrough', reason: 'not-a-target' });
          return id;
        },
      });
      return {
        runtime: 'scripted',
        routeKinds: ['direct'],
        urlFor: (site) => `https://${site}:4433/`,
        routeFor: (_site, kind) => ({ kind, host: '127.0.0.1', port: 4433 }),
        originView: () => [],
        engineEvents: () => [],
        lease: () => ledger.lease(),
        down: async () => void log.push('down'),
      };
    },
  };
}

function shim(name: string, behaviour: Partial<ClientShim> & { see?: (state: TrustState, site: string) => Observation }): ClientShim {
  return {
    name,
    kind: 'cli',
    probe: async () => ({ available: true, version: '1' }),
    async prepare(state) {
      return {
        visit: async (target) => behaviour.see!(state, target.site),
        close: async () => undefined,
      };
    },
    ...behaviour,
  };
}

test('runner: expands the grid, prepares once per (state, client), skips and fails with reasons', async () => {
  const log: string[] = [];
  const prepared: string[] = [];
  const trusting = shim('trusting', {
    see: (state, site) =>
      site === 'control.example.kz' || state.anchors.some((a) => a.endsWith('rogue-root.pem'))
        ? { outcome: 'loaded', durationMs: 1 }
        : { outcome: 'refused', error: 'exit-60', durationMs: 1 },
  });
  const countingTrusting: ClientShim = {
    ...trusting,
    prepare: async (state, dir) => {
      prepared.push(dir);
      return trusting.prepare(state, dir);
    },
  };
  const shims: Record<string, ClientShim> = {
    trusting: countingTrusting,
    'proxy-only': shim('proxy-only', { routes: ['connect'], see: () => ({ outcome: 'loaded', durationMs: 1 }) }),
    absent: shim('absent', { probe: async () => ({ available: false, reason: 'absent is not installed (apt-get install absent)' }) }),
    crashing: shim('crashing', {
      see: () => {
        throw new Error('boom');
      },
    }),
  };
  const clients: ClientSource = {
    shim: (n) => shims[n],
    availability: (n) => shims[n]!.probe(),
  };
  const scenario = parseScenario(scenarioText, 'scripted.yaml', { clients: Object.keys(shims) });
  const workDir = await mkdtemp(join(tmpdir(), 'tlslab-test-'));
  try {
    const { result } = await runScenario(scenario, { runtime: scriptedRuntime(log), clients, workDir, concurrency: 3 });
    assert.equal(result.rows.length, 2 * 4 * 2);
    assert.deepEqual(log, ['up vk.com,control.example.kz intercept=vk.com', 'down']);
    assert.equal(prepared.length, 2, 'one prepare per state for the trusting client');

    const rowsOf = (client: string) => result.rows.filter((r) => r.client === client);
    assert.ok(rowsOf('trusting').every((r) => r.pass && r.skipped === undefined));
    assert.deepEqual(
      rowsOf('trusting').map((r) => `${r.state} ${r.site} ${r.actual.outcome} ${r.actual.error}`),
      ['not-installed vk.com refused exit-60', 'not-installed control.example.kz loaded null', 'installed vk.com loaded null', 'installed control.example.kz loaded null'],
    );
    for (const r of rowsOf('proxy-only')) assert.match(r.skipped ?? '', /proxy-only reaches sites only via connect; the scripted runtime offers direct/);
    for (const r of rowsOf('absent')) assert.equal(r.skipped, 'absent is not installed (apt-get install absent)');
    for (const r of [...rowsOf('proxy-only'), ...rowsOf('absent')]) {
      assert.equal(r.pass, false, 'a skipped row is never passed');
      assert.equal(r.actual.outcome, 'skipped');
    }
    for (const r of rowsOf('crashing')) {
      assert.equal(r.pass, false);
      assert.equal(r.skipped, undefined, 'a crash is a failure, not a skip');
      assert.equal(r.actual.detail, 'shim failed: boom');
    }
    assert.equal(exitCodeFor([result]), 1);
    assert.equal(exitCodeFor([{ ...result, rows: result.rows.filter((r) => r.client !== 'crashing') }]), 0);
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
});

test('runner: on a lab with a client launcher, only shims that start their clients through it run; they get it in prepare()', async () => {
  const launcher = { where: 'the scripted lab', resolvesSiteNames: true, wrap: (argv: readonly string[]) => ['in-lab', ...argv] };
  const base = scriptedRuntime([]);
  const runtime: Runtime = { ...base, up: async (t) => ({ ...(await base.up(t)), clientLauncher: launcher }) };
  const given: unknown[] = [];
  const loads = (): Observation => ({ outcome: 'loaded', durationMs: 1 });
  const inLab: ClientShim = { ...shim('trusting', { see: loads }), launcherSupport: true };
  const shims: Record<string, ClientShim> = {
    trusting: { ...inLab, prepare: async (state, dir, options) => (given.push(options?.launcher), inLab.prepare(state, dir, options)) },
    'proxy-only': { ...shim('proxy-only', { routes: ['connect'], see: loads }), launcherSupport: true, directByName: true },
    absent: shim('absent', { see: loads }),
    crashing: { ...shim('crashing', { see: loads }), launcherSupport: 'crashing drives itself over a host port' },
  };
  const scenario = parseScenario(scenarioText, 'scripted.yaml', { clients: Object.keys(shims) });
  const workDir = await mkdtemp(join(tmpdir(), 'tlslab-test-'));
  try {
    const { result } = await runScenario(scenario, { runtime, clients: { shim: (n) => shims[n], availability: async () => ({ available: true }) }, workDir, concurrency: 2 });
    const rowsOf = (client: string) => result.rows.filter((r) => r.client === client);
    assert.deepEqual(given, [launcher, launcher], 'each prepare() of a launchable shim gets the lab launcher');
    assert.ok(rowsOf('proxy-only').every((r) => r.skipped === undefined), 'a connect-only shim goes direct where the launcher resolves site names');
    for (const r of rowsOf('absent')) assert.match(r.skipped ?? '', /absent does not start its clients through a lab launcher; the scripted runtime needs every client started in the scripted lab/);
    for (const r of rowsOf('crashing')) assert.match(r.skipped ?? '', /^crashing drives itself over a host port; /);
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
});

test('runner: a scenario with the box on the path skips every row on a runtime that intercepts only at its doors, without starting a lab', async () => {
  const log: string[] = [];
  const onPath = scenarioText.replace('sites:', 'path: { localise: { site: vk.com, control: control.example.kz } }\nsites:');
  const scenario = parseScenario(onPath, 'scripted.yaml', { clients: ['trusting', 'proxy-only', 'absent', 'crashing'] });
  const workDir = await mkdtemp(join(tmpdir(), 'tlslab-test-'));
  try {
    const { result } = await runScenario(scenario, { runtime: scriptedRuntime(log), clients: { shim: () => undefined, availability: async () => ({ available: true }) }, workDir, concurrency: 1 });
    assert.deepEqual(log, []);
    assert.equal(result.rows.length, 16);
    for (const r of result.rows) assert.match(r.skipped ?? '', /on the clients' IP path.*the scripted runtime intercepts only at its doors \(use --runtime netns\)/);
    assert.equal(result.localisation, undefined);
    assert.throws(
      () => parseScenario(onPath.replace('control: control.example.kz', 'control: elsewhere.example'), 'bad.yaml', { clients: ['trusting', 'proxy-only', 'absent', 'crashing'] }),
      /path\.localise\.control.*"elsewhere\.example" is not a site of this scenario/s,
    );
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
});

test('runner: under concurrency every cell gets exactly its own connections, and its truth from them', async () => {
  let box: ScriptedBox | undefined;
  const opened = new Map<string, number[]>();
  const visiting = (name: string): ClientShim => ({
    name,
    kind: 'cli',
    probe: async () => ({ available: true }),
    async prepare(state) {
      return {
        async visit(target) {
          // the same site is visited by several units at once; a retry-like second connection too
          await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 15)));
          const ids = [box!.connect(target.route, target.site), box!.connect(target.route, target.site)];
          opened.set(`${state.anchors.length}/${name}/${target.site}`, ids);
          await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 15)));
          return { outcome: 'loaded', durationMs: 1 };
        },
        close: async () => undefined,
      };
    },
  });
  const names = ['trusting', 'proxy-only', 'absent', 'crashing'];
  const shims = Object.fromEntries(names.map((n) => [n, visiting(n)]));
  const scenario = parseScenario(scenarioText, 'scripted.yaml', { clients: names });
  const workDir = await mkdtemp(join(tmpdir(), 'tlslab-test-'));
  try {
    const runtime = scriptedRuntime([], (b) => (box = b));
    const { result, records } = await runScenario(scenario, { runtime, clients: { shim: (n) => shims[n], availability: async () => ({ available: true }) }, workDir, concurrency: 4 });
    assert.equal(result.rows.length, 16);
    for (const row of result.rows) {
      const anchors = row.state === 'installed' ? 2 : 1;
      assert.deepEqual(row.connections, opened.get(`${anchors}/${row.client}/${row.site}`), `${row.state} ${row.client} ${row.site}`);
      assert.equal(row.truth?.status, row.site === 'vk.com' ? 'intercepted' : 'clean');
    }
    assert.equal(new Set(result.rows.flatMap((r) => r.connections ?? [])).size, 32, 'no connection belongs to two cells');
    assert.equal(records.cells.length, 16);
    assert.deepEqual(records.strays, []);
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
});

test('runner: a cell whose client never reached the box is unreachable, with what the client said', async () => {
  const refusing: ClientShim = {
    name: 'trusting',
    kind: 'cli',
    probe: async () => ({ available: true }),
    prepare: async () => ({ visit: async () => ({ outcome: 'refused', error: 'NS_ERROR_PROXY_CONNECTION_REFUSED', durationMs: 1 }), close: async () => undefined }),
  };
  const scenario = parseScenario(scenarioText.replace('clients: [trusting, proxy-only, absent, crashing]', 'clients: [trusting]'), 'scripted.yaml', { clients: ['trusting'] });
  const workDir = await mkdtemp(join(tmpdir(), 'tlslab-test-'));
  try {
    const { result } = await runScenario(scenario, { runtime: scriptedRuntime([]), clients: { shim: () => refusing, availability: async () => ({ available: true }) }, workDir, concurrency: 2 });
    for (const row of result.rows) {
      assert.equal(row.truth?.status, 'unreachable');
      assert.match(row.truth?.reason ?? '', /no connection of this cell reached the box or the origin; the client said: NS_ERROR_PROXY_CONNECTION_REFUSED/);
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
});

test('runner: a runtime that hosts only the engine skips a foreign box\'s rows with the reason, and still runs the engine\'s', async () => {
  const log: string[] = [];
  const scenario = parseScenario(scenarioText, 'scripted.yaml', { clients: ['trusting', 'proxy-only', 'absent', 'crashing'], boxes: ['engine', 'http-mitm-proxy'] });
  const workDir = await mkdtemp(join(tmpdir(), 'tlslab-test-'));
  try {
    const { result } = await runScenario(scenario, { runtime: scriptedRuntime(log), clients: { shim: () => undefined, availability: async () => ({ available: true }) }, workDir, concurrency: 1, boxes: ['engine', 'http-mitm-proxy'] });
    const foreign = result.rows.filter((r) => r.box === 'http-mitm-proxy');
    assert.equal(foreign.length, 16);
    for (const r of foreign) assert.equal(r.skipped, 'the scripted runtime runs only the lab\'s engine; http-mitm-proxy runs on loopback, netns and containers');
    assert.equal(log.filter((line) => line.startsWith('up ')).length, 1, 'one lab, the engine\'s');
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
});
