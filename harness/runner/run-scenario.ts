/**
 * One scenario, end to end: certificates → runtime up → for each (state, client) prepare trust
 * once and visit every site → checked rows. Units run in parallel, bounded; sites within a unit
 * run one after another so a shim's session never sees two visits at once.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { routesThrough } from '../../lab/clients/route.ts';
import type { Availability, ClientShim, Observation } from '../../lab/clients/types.ts';
import type { Lab, LabEngineEvent, OriginVisit, RouteKind, Runtime } from '../../lab/runtime/types.ts';
import type { Scenario } from '../scenario/schema.ts';
import { onTeardown } from './lifecycle.ts';
import { brokenRow, checkedRow, expandUnits, skippedRow, type Selection, type Unit } from './matrix.ts';
import { buildScenarioPki } from './pki.ts';
import { mapBounded } from './pool.ts';
import type { Detector } from '../../lab/detectors/index.ts';
import { cellUrl } from './cell-tag.ts';
import { scoreScenario } from './detect.ts';
import { localiseScenario } from './localise.ts';
import type { ResultRow, ScenarioResult } from './results.ts';
import { trustStateFor } from './trust.ts';
import { targetPolicyFor } from './targets.ts';

export interface ClientSource {
  shim(name: string): ClientShim | undefined;
  availability(name: string): Promise<Availability>;
}

export interface RunOptions {
  runtime: Runtime;
  clients: ClientSource;
  /** the run's temp dir; this scenario writes only below it */
  workDir: string;
  selection?: Selection;
  concurrency: number;
  visitTimeoutMs?: number;
  /** detectors scored over the cells that ran (none: results.json's detectors stays empty) */
  detectors?: readonly Detector[];
  /** called as each unit finishes, for progress output */
  onUnitDone?: (rows: readonly ResultRow[]) => void;
}

/** What detectors read: the box's events and each origin's view of its visitors. */
export interface Evidence {
  engineEvents: readonly LabEngineEvent[];
  origins: Record<string, readonly OriginVisit[]>;
}

export interface ScenarioRun {
  result: ScenarioResult;
  evidence: Evidence;
  wallMs: number;
}

function routeKindsOf(shim: ClientShim, lab: Lab): readonly RouteKind[] {
  // a shim that declares nothing can apply either route (lab/clients/types.ts)
  const declared = shim.routes ?? ['direct', 'connect'];
  return shim.directByName ? routesThrough(declared, lab.clientLauncher) : declared;
}

function chooseRoute(shim: ClientShim, lab: Lab, preferred: RouteKind): RouteKind | { unsupported: string } {
  const usable = routeKindsOf(shim, lab).filter((k) => lab.routeKinds.includes(k));
  if (usable.includes(preferred)) return preferred;
  if (usable[0]) return usable[0];
  return {
    unsupported: `${shim.name} reaches sites only via ${routeKindsOf(shim, lab).join('/')}; the ${lab.runtime} runtime offers ${lab.routeKinds.join('/')}`,
  };
}

async function runUnit(scenario: Scenario, unit: Unit, lab: Lab, opts: RunOptions, pki: Awaited<ReturnType<typeof buildScenarioPki>>): Promise<ResultRow[]> {
  const { state, client, sites } = unit;
  const skipAll = (reason: string) => sites.map((site) => skippedRow(scenario, state, client, site, reason));
  const shim = opts.clients.shim(client);
  if (!shim) return skipAll(`no shim named ${client} is registered`);
  const availability = await opts.clients.availability(client);
  if (!availability.available) return skipAll(availability.reason ?? `${client} is not available`);
  const launcher = lab.clientLauncher;
  // a shim that cannot start its clients inside the lab would reach lab addresses from the host
  if (launcher && shim.launcherSupport !== true) {
    return skipAll(`${shim.launcherSupport ?? `${client} does not start its clients through a lab launcher`}; the ${lab.runtime} runtime needs every client started in ${launcher.where}`);
  }
  const route = chooseRoute(shim, lab, scenario.interception?.mode === 'connect' ? 'connect' : 'direct');
  if (typeof route !== 'string') return skipAll(route.unsupported);

  // per scenario: two scenarios with a state of the same name must not share a client's trust dir
  const workDir = join(opts.workDir, scenario.id, 'clients', `${state.name}--${client}`);
  await mkdir(workDir, { recursive: true });
  let session;
  try {
    session = await shim.prepare(trustStateFor(state, client, pki), workDir, launcher ? { launcher } : {});
  } catch (err) {
    return sites.map((site) => brokenRow(scenario, state, client, site, err));
  }
  const closeSession = onTeardown(() => session.close());
  const rows: ResultRow[] = [];
  try {
    for (const site of sites) {
      let observation: Observation;
      try {
        observation = await session.visit({
          site,
          url: cellUrl(lab.urlFor(site), state.name, client),
          route: lab.routeFor(site, route),
          timeoutMs: opts.visitTimeoutMs ?? 15_000,
        });
      } catch (err) {
        rows.push(brokenRow(scenario, state, client, site, err));
        continue;
      }
      // a shim may find mid-run that it cannot run this cell; that is a skip with its reason, never a pass
      rows.push(
        observation.outcome === 'skipped'
          ? skippedRow(scenario, state, client, site, observation.detail ?? `${client} skipped this cell without a reason`)
          : checkedRow(scenario, state, client, site, observation),
      );
    }
  } finally {
    await closeSession().catch(() => {});
  }
  return rows;
}

/** A transparent scenario on a runtime whose box is a door, not on the path: nothing to run. */
function offPathRun(scenario: Scenario, opts: RunOptions, started: number): ScenarioRun {
  const reason = `${scenario.id} puts the box on the clients' IP path (path:); the ${opts.runtime.name} runtime intercepts only at its doors (use --runtime netns)`;
  const rows = expandUnits(scenario, opts.selection).flatMap((unit) =>
    unit.sites.map((site) => skippedRow(scenario, unit.state, unit.client, site, reason)),
  );
  return {
    result: { scenario: scenario.id, runtime: opts.runtime.name, rows, detectors: [] },
    evidence: { engineEvents: [], origins: {} },
    wallMs: Date.now() - started,
  };
}

export async function runScenario(scenario: Scenario, opts: RunOptions): Promise<ScenarioRun> {
  const started = Date.now();
  if (scenario.path && !opts.runtime.interceptsOnPath) return offPathRun(scenario, opts, started);
  const workDir = join(opts.workDir, scenario.id);
  await mkdir(workDir, { recursive: true });
  const pki = await buildScenarioPki(scenario, workDir);
  const lab = await opts.runtime.up({
    origins: pki.origins,
    workDir,
    ...(scenario.interception &&
      pki.forger && {
        interception: {
          targets: targetPolicyFor(scenario.interception.targets),
          forger: pki.forger,
          upstream: {
            verify: scenario.interception.upstream.verify,
            caPem: [pki.authorities['lab-public'].material.root.certPem],
            ...(scenario.interception.upstream.interceptOnlyIfUpstreamValid !== undefined && {
              interceptOnlyIfUpstreamValid: scenario.interception.upstream.interceptOnlyIfUpstreamValid,
            }),
          },
        },
      }),
  });
  const labDown = onTeardown(() => lab.down());
  try {
    const units = expandUnits(scenario, opts.selection);
    const perUnit = await mapBounded(units, opts.concurrency, async (unit) => {
      const rows = await runUnit(scenario, unit, lab, opts, pki);
      opts.onUnitDone?.(rows);
      return rows;
    });
    const origins = Object.fromEntries(scenario.sites.map((s) => [s.name, [...lab.originView(s.name)]]));
    const engineEvents = [...lab.engineEvents()];
    const rows = perUnit.flat();
    const localisation = await localiseScenario(scenario, lab, pki);
    const detectors = await scoreScenario(scenario.id, rows, opts.detectors ?? [], pki, lab, {
      engineEvents,
      ...(localisation && { ttlBySite: localisation.ttlBySite }),
    });
    return {
      result: { scenario: scenario.id, runtime: lab.runtime, rows, detectors, ...(localisation && { localisation: localisation.result }) },
      evidence: { engineEvents, origins },
      wallMs: Date.now() - started,
    };
  } finally {
    await labDown();
  }
}
