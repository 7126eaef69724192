/**
 * One scenario, end to end: certificates → runtime up → for each (state, client) lease a lane,
 * prepare trust once and visit every site → checked rows, each with the record of what happened
 * to its connections. Units run in parallel, bounded; sites within a unit run one after another
 * on the unit's lane, so every connection on the lane belongs to the unit and, by the site it
 * names, to one cell. Detectors run last, over the cells' evidence, scored against the records.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { routesThrough } from '../../lab/clients/route.ts';
import type { Availability, ClientShim, Observation } from '../../lab/clients/types.ts';
import type { CellRecord, ConnectionRecord, Lab, Lane, LaneRecord, RouteKind, Runtime } from '../../lab/runtime/types.ts';
import type { Detector, DetectorScore, Evidence } from '../../lab/detectors/index.ts';
import type { Scenario } from '../scenario/schema.ts';
import { onTeardown } from './lifecycle.ts';
import { brokenRow, checkedRow, expandUnits, skippedRow, type Selection, type Unit } from './matrix.ts';
import { buildScenarioPki, type ScenarioPki } from './pki.ts';
import { mapBounded } from './pool.ts';
import { cellEvidence, scoreEvidence } from './detect.ts';
import { localiseScenario } from './localise.ts';
import { attachRecord, recordReport, type RecordsReport } from './records.ts';
import { cellFileStem, keepArtefacts } from './artefacts.ts';
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
  /** where this scenario's files that outlive the run go (captures); absent: none are kept */
  artefactsDir?: string;
  /** one pcapng and key log per cell (needs artefactsDir) */
  capture?: boolean;
  /** called as each unit finishes, for progress output */
  onUnitDone?: (rows: readonly ResultRow[]) => void;
}

export interface ScenarioRun {
  result: ScenarioResult;
  /** every cell that ran, exactly as the detectors received it (no ground truth in it) */
  evidence: Evidence[];
  /** every cell's record: the box's connections, the origin's view, captures (the truth's source) */
  records: RecordsReport;
  wallMs: number;
}

/** A row and, when the cell ran, what the client said and what the lab recorded. */
interface CellOutcome {
  row: ResultRow;
  observation?: Observation;
  record?: CellRecord;
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

async function runUnit(scenario: Scenario, unit: Unit, lab: Lab, opts: RunOptions, pki: ScenarioPki, strays: ConnectionRecord[]): Promise<CellOutcome[]> {
  const { state, client, sites } = unit;
  const skipAll = (reason: string) => sites.map((site) => ({ row: skippedRow(scenario, state, client, site, reason) }));
  const shim = opts.clients.shim(client);
  if (!shim) return skipAll(`no shim named ${client} is registered`);
  const availability = await opts.clients.availability(client);
  if (!availability.available) return skipAll(availability.reason ?? `${client} is not available`);
  // a shim that cannot start its clients inside the lab would reach lab addresses from the host
  if (lab.clientLauncher && shim.launcherSupport !== true) {
    return skipAll(`${shim.launcherSupport ?? `${client} does not start its clients through a lab launcher`}; the ${lab.runtime} runtime needs every client started in ${lab.clientLauncher.where}`);
  }
  const route = chooseRoute(shim, lab, scenario.interception?.mode === 'connect' ? 'connect' : 'direct');
  if (typeof route !== 'string') return skipAll(route.unsupported);

  // per scenario: two scenarios with a state of the same name must not share a client's trust dir
  const workDir = join(opts.workDir, scenario.id, 'clients', `${state.name}--${client}`);
  await mkdir(workDir, { recursive: true });
  const captureDir = opts.capture && opts.artefactsDir ? join(opts.artefactsDir, 'captures') : undefined;
  if (captureDir) await mkdir(captureDir, { recursive: true });

  const lane: Lane = await lab.lease();
  const outcomes: CellOutcome[] = [];
  let laneRecord: LaneRecord | undefined;
  try {
    // a lane with its own place for clients (netns: its own client namespace), else the lab's
    const launcher = lane.clientLauncher ?? lab.clientLauncher;
    let session;
    try {
      session = await shim.prepare(trustStateFor(state, client, pki), workDir, launcher ? { launcher } : {});
    } catch (err) {
      return sites.map((site) => ({ row: brokenRow(scenario, state, client, site, err) }));
    }
    const closeSession = onTeardown(() => session.close());
    try {
      for (const site of sites) {
        const cell = { state: state.name, client, site, attempt: 1 };
        const capture = captureDir && join(captureDir, `${cellFileStem(state.name, client, site)}.pcapng`);
        const ticket = await lane.startCell(cell, capture ? { capture } : {});
        let observation: Observation;
        try {
          observation = await session.visit({ site, url: ticket.url, route: ticket.route(route), timeoutMs: opts.visitTimeoutMs ?? 15_000 });
          if (opts.artefactsDir) observation = await keepArtefacts(observation, opts.artefactsDir, cellFileStem(state.name, client, site));
        } catch (err) {
          outcomes.push({ row: brokenRow(scenario, state, client, site, err) });
          continue;
        } finally {
          await lane.endCell();
        }
        // a shim may find mid-run that it cannot run this cell; that is a skip with its reason, never a pass
        outcomes.push(
          observation.outcome === 'skipped'
            ? { row: skippedRow(scenario, state, client, site, observation.detail ?? `${client} skipped this cell without a reason`) }
            : { row: checkedRow(scenario, state, client, site, observation), observation },
        );
      }
    } finally {
      await closeSession().catch(() => {});
    }
  } finally {
    // after the session: every connection the client opened has been accepted (and ended)
    laneRecord = await lane.release();
    strays.push(...laneRecord.strays);
  }
  for (const outcome of outcomes) {
    if (outcome.row.skipped !== undefined) continue;
    const record = laneRecord.cells.find((r) => r.cell.site === outcome.row.site);
    if (record) {
      outcome.record = record;
      attachRecord(outcome.row, record, opts.artefactsDir);
    }
  }
  return outcomes;
}

/** A transparent scenario on a runtime whose box is a door, not on the path: nothing to run. */
function offPathRun(scenario: Scenario, opts: RunOptions, started: number): ScenarioRun {
  const reason = `${scenario.id} puts the box on the clients' IP path (path:); the ${opts.runtime.name} runtime intercepts only at its doors (use --runtime netns)`;
  const rows = expandUnits(scenario, opts.selection).flatMap((unit) =>
    unit.sites.map((site) => skippedRow(scenario, unit.state, unit.client, site, reason)),
  );
  return {
    result: { scenario: scenario.id, runtime: opts.runtime.name, rows, detectors: [] },
    evidence: [],
    records: { scenario: scenario.id, runtime: opts.runtime.name, cells: [], strays: [] },
    wallMs: Date.now() - started,
  };
}

/** Hyperquack's second vantage: each site's chain fetched off the box's path, once per scenario. */
async function vantageChains(scenario: Scenario, lab: Lab): Promise<Map<string, { chainPem: string[] } | { skipped: string }>> {
  const out = new Map<string, { chainPem: string[] } | { skipped: string }>();
  for (const { name } of scenario.sites) {
    const found = lab.vantageChain ? await lab.vantageChain(name) : { skipped: `the ${lab.runtime} runtime has no second vantage point` };
    out.set(name, Array.isArray(found) ? { chainPem: found } : found);
  }
  return out;
}

export async function runScenario(scenario: Scenario, opts: RunOptions): Promise<ScenarioRun> {
  const started = Date.now();
  if (scenario.path && !opts.runtime.interceptsOnPath) return offPathRun(scenario, opts, started);
  const workDir = join(opts.workDir, scenario.id);
  await mkdir(workDir, { recursive: true });
  const pki = await buildScenarioPki(scenario, workDir);
  const units = expandUnits(scenario, opts.selection);
  const lab = await opts.runtime.up({
    origins: pki.origins,
    workDir,
    lanes: Math.max(1, Math.min(opts.concurrency, units.length)),
    ...(opts.capture && opts.artefactsDir && { capture: true }),
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
  let outcomes: CellOutcome[];
  const strays: ConnectionRecord[] = [];
  let localisation: Awaited<ReturnType<typeof localiseScenario>>;
  let vantage: Awaited<ReturnType<typeof vantageChains>>;
  try {
    const perUnit = await mapBounded(units, opts.concurrency, async (unit) => {
      const unitOutcomes = await runUnit(scenario, unit, lab, opts, pki, strays);
      opts.onUnitDone?.(unitOutcomes.map((o) => o.row));
      return unitOutcomes;
    });
    outcomes = perUnit.flat();
    // probes run after every client: their connections come in on no lane and belong to no cell
    localisation = await localiseScenario(scenario, lab, pki);
    vantage = await vantageChains(scenario, lab);
  } finally {
    // down also writes the captures out of the lab's capture, so it comes before any report
    await labDown();
  }
  const rows = outcomes.map((o) => o.row);
  const evidence = outcomes.flatMap((o) =>
    o.record && o.observation ? [cellEvidence(scenario.id, o.row, o.observation, o.record, pki, { crossVantage: vantage.get(o.row.site), ttl: localisation?.ttlBySite.get(o.row.site) })] : [],
  );
  const detectors: DetectorScore[] = await scoreEvidence(opts.detectors ?? [], evidence, rows);
  return {
    result: { scenario: scenario.id, runtime: lab.runtime, rows, detectors, ...(localisation && { localisation: localisation.result }) },
    evidence,
    records: recordReport(scenario.id, lab.runtime, outcomes.flatMap((o) => (o.record && o.row.truth ? [{ record: o.record, truth: o.row.truth }] : [])), strays),
    wallMs: Date.now() - started,
  };
}
