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
import type { Availability, ClientSession, ClientShim, Observation } from '../../lab/clients/types.ts';
import type { CellRecord, ConnectionRecord, Lab, Lane, LaneRecord, RouteKind, Runtime } from '../../lab/runtime/types.ts';
import type { Detector, DetectorScore, Evidence } from '../../lab/detectors/index.ts';
import { BOX_NAMES, ENGINE_BOX, EXTERNAL_BOX, externalInterceptor, interceptorNamed, type BoxPolicy, type Interceptor, type Limitation } from '../../lab/boxes/index.ts';
import { spkiSha256 } from '../../lab/ca/index.ts';
import type { Destination } from '../../lab/proxy/types.ts';
import { readFileSync } from 'node:fs';
import type { Scenario } from '../scenario/schema.ts';
import { onTeardown } from './lifecycle.ts';
import { brokenRow, checkedRow, expandUnits, skippedRow, type LabFacts, type Selection, type Unit } from './matrix.ts';
import { buildScenarioPki, type ScenarioPki } from './pki.ts';
import { mapBounded } from './pool.ts';
import { cellEvidence, scoreEvidence } from './detect.ts';
import { localiseScenario } from './localise.ts';
import { attachRecord, recordReport, type RecordsReport } from './records.ts';
import { cellFileStem, keepArtefacts } from './artefacts.ts';
import type { FailedAttempt, ResultRow, ScenarioResult } from './results.ts';
import { describeActual } from '../scenario/expectations.ts';
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
  /** a failed cell is tried again up to this many times, on its unit's lane and session; one that then passes is flaky */
  retries?: number;
  /** detectors scored over the cells that ran (none: results.json's detectors stays empty) */
  detectors?: readonly Detector[];
  /** where this scenario's files that outlive the run go (captures); absent: none are kept */
  artefactsDir?: string;
  /** one pcapng and key log per cell (needs artefactsDir) */
  capture?: boolean;
  /** called as each unit starts and finishes, for progress output */
  onUnitStart?: (unit: Unit) => void;
  onUnitDone?: (rows: readonly ResultRow[], unit: Unit) => void;
  /** the boxes to put in the middle, one after another (default: the scenario's interception.box, else the lab's engine) */
  boxes?: readonly string[];
  /** the user's own proxy, for the `external` box: its loopback address and its CA (which plays the rogue root) */
  external?: { proxy: Destination; caFile: string };
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

/** What a unit has open while its cells run. */
interface UnitSession {
  lane: Lane;
  session: ClientSession;
  route: RouteKind;
  captureDir: string | undefined;
  facts: LabFacts;
}

/** One try of one cell on the unit's lane: its ticket, the client's visit, the checked row. */
async function visitCell(scenario: Scenario, unit: Unit, site: string, attempt: number, open: UnitSession, opts: RunOptions): Promise<CellOutcome> {
  const { state, client, box } = unit;
  const cell = { state: state.name, client, site, attempt };
  // a retry keeps its own files: the first try's capture and screenshot stay what they were
  const stem = cellFileStem(state.name, client, site, box) + (attempt > 1 ? `--attempt-${attempt}` : '');
  const capture = open.captureDir && join(open.captureDir, `${stem}.pcapng`);
  const ticket = await open.lane.startCell(cell, capture ? { capture } : {});
  let observation: Observation | undefined;
  try {
    observation = await open.session.visit({ site, url: ticket.url, route: ticket.route(open.route), timeoutMs: opts.visitTimeoutMs ?? 15_000, attempt });
    if (opts.artefactsDir) observation = await keepArtefacts(observation, opts.artefactsDir, stem);
  } catch (err) {
    return { row: brokenRow(scenario, state, client, site, err, box) };
  } finally {
    await open.lane.endCell(observation?.chain?.chainPem ? { chainPem: observation.chain.chainPem } : undefined);
  }
  // a shim may find mid-run that it cannot run this cell; that is a skip with its reason, never a pass
  return observation.outcome === 'skipped'
    ? { row: skippedRow(scenario, state, client, site, observation.detail ?? `${client} skipped this cell without a reason`, box) }
    : { row: checkedRow(scenario, state, client, site, observation, box, open.facts), observation };
}

/** Why a try failed, in one line: what the client did instead of what was expected. */
function failureReason(row: ResultRow): string {
  const got = row.actual.detail?.startsWith('shim failed') ? row.actual.detail : describeActual({ outcome: row.actual.outcome, ...(row.actual.error !== null && { error: row.actual.error }) });
  return `expected ${row.expected}, got ${got.split('\n')[0]}`;
}

/** The row of a cell's last try; a retried one says which try it was and why the earlier ones failed. */
function withAttempts(outcome: CellOutcome, attempt: number, failures: readonly FailedAttempt[]): CellOutcome {
  if (attempt === 1) return outcome;
  const row: ResultRow = { ...outcome.row, attempt, failedAttempts: [...failures] };
  if (row.pass && row.skipped === undefined) row.flaky = true;
  return { ...outcome, row };
}

async function runUnit(scenario: Scenario, unit: Unit, lab: Lab, opts: RunOptions, pki: ScenarioPki, strays: ConnectionRecord[]): Promise<CellOutcome[]> {
  const { state, client, sites, box } = unit;
  const skipAll = (reason: string) => sites.map((site) => ({ row: skippedRow(scenario, state, client, site, reason, box) }));
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
  const workDir = join(opts.workDir, scenario.id, 'clients', `${box ? `${box}--` : ''}${state.name}--${client}`);
  await mkdir(workDir, { recursive: true });
  const captureDir = opts.capture && opts.artefactsDir ? join(opts.artefactsDir, 'captures') : undefined;
  if (captureDir) await mkdir(captureDir, { recursive: true });

  const lane: Lane = await lab.lease();
  const outcomes: CellOutcome[] = [];
  let laneRecord: LaneRecord | undefined;
  try {
    // a lane with its own place for clients (netns: its own client namespace), else the lab's
    const launcher = lane.clientLauncher ?? lab.clientLauncher;
    // a set-up that fails (a browser that did not start in time) uses up a try of each of the unit's cells
    const setupFailures: FailedAttempt[] = [];
    let session: ClientSession | undefined;
    for (let attempt = 1; session === undefined; attempt++) {
      try {
        session = await shim.prepare(trustStateFor(state, client, pki), workDir, launcher ? { launcher } : {});
      } catch (err) {
        if (attempt > (opts.retries ?? 0)) return sites.map((site) => withAttempts({ row: brokenRow(scenario, state, client, site, err, box) }, attempt, setupFailures));
        setupFailures.push({ attempt, reason: `the client's set-up failed: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}` });
      }
    }
    const open = session;
    const closeSession = onTeardown(() => open.close());
    try {
      for (const site of sites) {
        const failures: FailedAttempt[] = [...setupFailures];
        for (let attempt = setupFailures.length + 1; ; attempt++) {
          const outcome = await visitCell(scenario, unit, site, attempt, { lane, session, route, captureDir, facts: { ...(lab.gatewayHop !== undefined && { gatewayHop: lab.gatewayHop }) } }, opts);
          const failed = outcome.row.skipped === undefined && !outcome.row.pass;
          if (!failed || attempt > (opts.retries ?? 0)) {
            outcomes.push(withAttempts(outcome, attempt, failures));
            break;
          }
          failures.push({ attempt, reason: failureReason(outcome.row) });
        }
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
    const record = laneRecord.cells.find((r) => r.cell.site === outcome.row.site && r.cell.attempt === (outcome.row.attempt ?? 1));
    if (record) {
      outcome.record = record;
      attachRecord(outcome.row, record, opts.artefactsDir);
    }
  }
  return outcomes;
}

/** Every row of the grid skipped with one reason (nothing started). */
function skippedGrid(scenario: Scenario, opts: RunOptions, reason: string, box?: string): CellOutcome[] {
  return expandUnits(scenario, opts.selection, box).flatMap((unit) => unit.sites.map((site) => ({ row: skippedRow(scenario, unit.state, unit.client, site, reason, box) })));
}

/** Hyperquack's second vantage: each site's chain fetched off the box's path, once per lab. */
async function vantageChains(scenario: Scenario, lab: Lab): Promise<Map<string, { chainPem: string[] } | { skipped: string }>> {
  const out = new Map<string, { chainPem: string[] } | { skipped: string }>();
  for (const { name } of scenario.sites) {
    const found = lab.vantageChain ? await lab.vantageChain(name) : { skipped: `the ${lab.runtime} runtime has no second vantage point` };
    out.set(name, Array.isArray(found) ? { chainPem: found } : found);
  }
  return out;
}

/** The boxes a run puts in the middle, and whether rows name them (only when the run names boxes). */
export function boxesFor(scenario: Scenario, flagged: readonly string[] | undefined): { boxes: readonly string[]; named: boolean } {
  if (!scenario.interception) return { boxes: [ENGINE_BOX], named: false };
  const asked = flagged ?? (scenario.interception.box === undefined ? undefined : [scenario.interception.box].flat());
  return asked ? { boxes: asked, named: true } : { boxes: [ENGINE_BOX], named: false };
}

/** The policy a box is given: the scenario's interception, in the box's terms. */
function boxPolicy(scenario: Scenario, pki: ScenarioPki): BoxPolicy {
  const interception = scenario.interception!;
  return {
    authority: pki.authorities.rogue.material,
    targets: targetPolicyFor(interception.targets),
    upstream: { verify: interception.upstream.verify, ...(interception.upstream.interceptOnlyIfUpstreamValid !== undefined && { interceptOnlyIfUpstreamValid: interception.upstream.interceptOnlyIfUpstreamValid }) },
    upstreamCaFile: pki.authorities['lab-public'].rootFile,
    resolve: () => undefined,
    sites: scenario.sites.map((s) => s.name),
    brokenSites: scenario.sites.filter((s) => s.certificate !== 'valid').map((s) => s.name),
  };
}

/** The adapter for a box name (the external one is made from the user's proxy and CA). */
function interceptorFor(box: string, opts: RunOptions): Interceptor | string | undefined {
  if (box === ENGINE_BOX) return undefined;
  if (box === EXTERNAL_BOX) {
    if (!opts.external) return 'the external box needs the proxy and its CA (--box-proxy HOST:PORT --box-ca FILE)';
    return externalInterceptor(opts.external.proxy, readFileSync(opts.external.caFile, 'utf8'));
  }
  return interceptorNamed(box) ?? `no box named ${box} (boxes: ${BOX_NAMES.join(', ')})`;
}

/**
 * The external box forges with its own CA, which plays the rogue root: every state that trusts,
 * pins, blocks or distrusts "rogue" means that CA for its rows.
 */
function pkiForBox(pki: ScenarioPki, box: string, opts: RunOptions): ScenarioPki {
  if (box !== EXTERNAL_BOX || !opts.external) return pki;
  const certPem = readFileSync(opts.external.caFile, 'utf8');
  return {
    ...pki,
    authorities: {
      ...pki.authorities,
      rogue: { material: { preset: 'external', root: { certPem, keyPem: '' }, intermediates: [] }, rootFile: opts.external.caFile, rootSpki: spkiSha256(certPem).base64 },
    },
  };
}

/** Why a box cannot take this grid here, if it cannot. */
function boxUnavailable(scenario: Scenario, opts: RunOptions, box: string, pki: ScenarioPki): string | undefined {
  const interceptor = interceptorFor(box, opts);
  if (interceptor === undefined) return undefined;
  if (typeof interceptor === 'string') return interceptor;
  const missing = interceptor.missing();
  if (missing) return missing;
  if (!opts.runtime.hostsForeignBoxes) return `the ${opts.runtime.name} runtime runs only the lab's engine; ${box} runs on loopback, netns and containers`;
  if (opts.runtime.interceptsOnPath && !interceptor.startTransparent) return `${box} has no transparent mode: it cannot sit on the clients' path (the ${opts.runtime.name} runtime)`;
  return interceptor.unsupported?.(boxPolicy(scenario, pki));
}

/** Each row touched by something the box declared it cannot express says so. */
function noteLimitations(rows: readonly ResultRow[], limitations: readonly Limitation[]): void {
  for (const row of rows) {
    const touching = limitations.filter((l) => l.sites === undefined || l.sites.some((s) => s.toLowerCase() === row.site.toLowerCase()));
    if (touching.length > 0) row.limitations = touching.map((l) => l.text);
  }
}

interface BoxRun {
  outcomes: CellOutcome[];
  strays: ConnectionRecord[];
  localisation?: Awaited<ReturnType<typeof localiseScenario>>;
  vantage?: Awaited<ReturnType<typeof vantageChains>>;
  runtime: string;
}

/** One lab with one box in the middle, the grid's units through it. */
async function runThroughBox(scenario: Scenario, opts: RunOptions, scenarioPki: ScenarioPki, workDir: string, box: string, named: boolean): Promise<BoxRun> {
  let pki = scenarioPki;
  const rowBox = named ? box : undefined;
  const unavailable = boxUnavailable(scenario, opts, box, pki);
  if (unavailable) return { outcomes: skippedGrid(scenario, opts, unavailable, rowBox), strays: [], runtime: opts.runtime.name };
  const units = expandUnits(scenario, opts.selection, rowBox);
  const found = interceptorFor(box, opts);
  const interceptor = typeof found === 'string' ? undefined : found;
  pki = pkiForBox(pki, box, opts);
  const lab = await opts.runtime.up({
    origins: pki.origins,
    // the scenario's dir, whichever the box (their labs run one after another): what clients read,
    // the PKI and their own dirs, must be inside it (the containers runtime shares only it with them)
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
    ...(interceptor && {
      box: {
        interceptor,
        authority: pki.authorities.rogue.material,
        upstreamCaFile: pki.authorities['lab-public'].rootFile,
        brokenSites: scenario.sites.filter((s) => s.certificate !== 'valid').map((s) => s.name),
      },
    }),
  });
  const labDown = onTeardown(() => lab.down());
  const strays: ConnectionRecord[] = [];
  try {
    const perUnit = await mapBounded(units, opts.concurrency, async (unit) => {
      opts.onUnitStart?.(unit);
      const unitOutcomes = await runUnit(scenario, unit, lab, opts, pki, strays);
      opts.onUnitDone?.(unitOutcomes.map((o) => o.row), unit);
      return unitOutcomes;
    });
    // probes run after every client: their connections come in on no lane and belong to no cell
    const localisation = await localiseScenario(scenario, lab, pki);
    const vantage = await vantageChains(scenario, lab);
    const outcomes = perUnit.flat();
    if (interceptor) noteLimitations(outcomes.map((o) => o.row), interceptor.limitations(boxPolicy(scenario, pki)));
    return { outcomes, strays, vantage, runtime: lab.runtime, ...(localisation && { localisation }) };
  } finally {
    // down also writes the captures out of the lab's capture, so it comes before any report
    await labDown();
  }
}

export async function runScenario(scenario: Scenario, opts: RunOptions): Promise<ScenarioRun> {
  const started = Date.now();
  const { boxes, named } = boxesFor(scenario, opts.boxes);
  if (scenario.path && !opts.runtime.interceptsOnPath) {
    const reason = `${scenario.id} puts the box on the clients' IP path (path:); the ${opts.runtime.name} runtime intercepts only at its doors (use --runtime netns)`;
    const rows = boxes.flatMap((box) => skippedGrid(scenario, opts, reason, named ? box : undefined)).map((o) => o.row);
    return {
      result: { scenario: scenario.id, runtime: opts.runtime.name, rows, detectors: [] },
      evidence: [],
      records: { scenario: scenario.id, runtime: opts.runtime.name, cells: [], strays: [] },
      wallMs: Date.now() - started,
    };
  }
  const workDir = join(opts.workDir, scenario.id);
  await mkdir(workDir, { recursive: true });
  const pki = await buildScenarioPki(scenario, workDir);
  const runs: BoxRun[] = [];
  for (const box of boxes) runs.push(await runThroughBox(scenario, opts, pki, workDir, box, named));

  const outcomes = runs.flatMap((r) => r.outcomes);
  const rows = outcomes.map((o) => o.row);
  const evidence = runs.flatMap((run) =>
    run.outcomes.flatMap((o) =>
      o.record && o.observation
        ? [cellEvidence(scenario.id, o.row, o.observation, o.record, pki, { crossVantage: run.vantage?.get(o.row.site), ttl: run.localisation?.ttlBySite.get(o.row.site) })]
        : [],
    ),
  );
  const detectors: DetectorScore[] = [];
  for (const box of named ? boxes : [undefined]) {
    const scores = await scoreEvidence(opts.detectors ?? [], evidence.filter((e) => e.box === box), rows.filter((r) => r.box === box));
    detectors.push(...scores.map((score) => (box === undefined ? score : { ...score, box })));
  }
  const localisation = runs.find((r) => r.localisation)?.localisation;
  return {
    result: { scenario: scenario.id, runtime: runs[0]?.runtime ?? opts.runtime.name, rows, detectors, ...(localisation && { localisation: localisation.result }) },
    evidence,
    records: recordReport(
      scenario.id,
      runs[0]?.runtime ?? opts.runtime.name,
      outcomes.flatMap((o) => (o.record && o.row.truth ? [{ record: o.record, truth: o.row.truth, ...(o.row.box !== undefined && { box: o.row.box }) }] : [])),
      runs.flatMap((r) => r.strays),
    ),
    wallMs: Date.now() - started,
  };
}
