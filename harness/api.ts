/**
 * The package's public API: what `import … from 'tls-interception-lab'` gives (package.json
 * `exports`, built to dist/ by `npm run build`). Running scenarios as the CLI does, and the parts
 * on their own: authorities and forgers, the interception engine, the detectors. docs/api.md.
 * Everything else in lab/ and harness/ is internal and may change without notice.
 */
import type { Detector } from '../lab/detectors/index.ts';
import { selectDetectors } from '../lab/detectors/index.ts';
import { labCatalogue, labClients } from './runner/lab-catalogue.ts';
import { runAll } from './runner/run-all.ts';
import type { ScenarioRun } from './runner/run-scenario.ts';
import { resolveRuntime } from './runner/runtimes.ts';
import { resolveScenarioArgument } from './scenario/discover.ts';
import { loadScenarioFile } from './scenario/load.ts';
import type { Scenario } from './scenario/schema.ts';

export interface RunScenarioOptions {
  /** loopback (default, no root), netns (root) or containers (podman or Docker) */
  runtime?: string;
  /** only these clients / states of the scenario (default: all of them) */
  clients?: string[];
  states?: string[];
  /** the interceptors in the middle, one grid each (default: the scenario's interception.box, else the engine) */
  boxes?: string[];
  /** (state, client) units at once (default: the number of cores, at least 2) */
  concurrency?: number;
  /** per-visit timeout (default 15 000) */
  visitTimeoutMs?: number;
  /** 'all' built-ins (default), 'none', or your own list (builtinDetectors() and plug-ins mixed as you like) */
  detectors?: 'all' | 'none' | readonly Detector[];
  /** one pcapng and key log per cell under `artefactsDir`/captures (default off on loopback) */
  capture?: boolean;
  /** where files that outlive the run go (captures, browser screenshots); absent: none are kept */
  artefactsDir?: string;
}

/** A scenario file, or the id of a built-in one (`kz-2019-qaznet`), loaded and checked as `tlslab run` does. */
export async function loadScenario(fileOrId: string): Promise<Scenario> {
  return loadScenarioFile(resolveScenarioArgument(fileOrId), labCatalogue());
}

/**
 * Runs one scenario's grid against real clients and returns its rows (`result.rows`, each with
 * `pass`), detector scores, evidence and records — what results.json, evidence.json and
 * records.json of a CLI run hold. Everything it starts is stopped and removed before it returns.
 * A bad scenario, client or runtime rejects with a UserError (`exitCode` 2) naming the field.
 */
export async function runScenario(fileOrId: string, options: RunScenarioOptions = {}): Promise<ScenarioRun> {
  const runtime = await resolveRuntime(options.runtime ?? 'loopback');
  const detectors = options.detectors === undefined || options.detectors === 'all' ? selectDetectors('all') : options.detectors === 'none' ? [] : options.detectors;
  const selection = { ...(options.clients && { clients: options.clients }), ...(options.states && { states: options.states }) };
  const [run] = await runAll({
    files: [resolveScenarioArgument(fileOrId)],
    runtime,
    catalogue: labCatalogue(),
    clients: labClients(),
    selection,
    detectors,
    ...(options.boxes && { boxes: options.boxes }),
    ...(options.concurrency !== undefined && { concurrency: options.concurrency }),
    ...(options.visitTimeoutMs !== undefined && { visitTimeoutMs: options.visitTimeoutMs }),
    ...(options.capture !== undefined && { capture: options.capture }),
    ...(options.artefactsDir !== undefined && { artefactsDir: () => options.artefactsDir! }),
  });
  return run!;
}

export type { ScenarioRun } from './runner/run-scenario.ts';
export type { Scenario, State, Site, AuthoritySpec } from './scenario/schema.ts';
export type { ResultRow, ScenarioResult, Tally } from './runner/results.ts';
export { tally, exitCodeFor } from './runner/results.ts';
export { builtInScenarioFiles } from './scenario/discover.ts';
export { runtimeNames } from './runner/runtimes.ts';
export { UserError } from './errors.ts';

// authorities, forgers and origin certificates (lab/ca)
export {
  createAuthority,
  loadAuthority,
  saveAuthority,
  createForger,
  forgeLeaf,
  issueServerCertificate,
  spkiSha256,
  parseCertificates,
  oneCrlRecord,
  encodeCrlSet,
  PRESETS,
  PROFILE_NAMES,
  KEY_TYPES,
  type AuthorityMaterial,
  type KeyedCertificate,
  type Forger,
  type ForgedLeaf,
  type ForgeRequest,
  type CreateAuthorityOptions,
  type GenericCaOptions,
  type KeyType,
  type PresetName,
  type SpkiHash,
} from '../lab/ca/index.ts';

// the interception engine (lab/proxy)
export { startEngine, targetPolicyFrom, TARGET_LIST_NAMES, DEFAULT_TIMEOUTS, installLastResortGuard, type Engine } from '../lab/proxy/index.ts';
export type { EngineOptions, EngineEvent, Destination, UpstreamPolicy, TargetPolicy } from '../lab/proxy/types.ts';

// detectors: the interface, the built-ins, plug-ins, running and scoring (lab/detectors)
export {
  builtinDetectors,
  selectDetectors,
  loadPlugin,
  loadPlugins,
  inspectAll,
  scoreDetectors,
  compareToBaseline,
  parseEvidence,
  evidenceSchema,
  findingSchema,
  BUILTIN_DETECTOR_NAMES,
  type Detector,
  type Evidence,
  type Finding,
  type Verdict,
  type Skip,
  type RunContext,
  type DetectorScore,
  type CellTruth,
} from '../lab/detectors/index.ts';
