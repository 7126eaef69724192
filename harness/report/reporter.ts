/**
 * The one contract every output implements (Playwright's reporter API is the model): the table,
 * the files (JSON, JUnit, TAP, HTML) and the progress lines are all reporters fed the same events
 * in the same order, so a new output is one file. Cells arrive as they finish (a unit's cells when
 * its lane is released and their records are attached); scenarios end with their whole run; the
 * run ends with every scenario and the detector checks, which is when files are written.
 */
import type { BoxCard } from '../../lab/boxes/grade/index.ts';
import type { Lang } from '../i18n/lang.ts';
import type { LocalisedText } from '../i18n/localised.ts';
import type { Translator } from '../i18n/translate.ts';
import type { BaselineVerdict } from '../runner/detector-checks.ts';
import type { ResultRow } from '../runner/results.ts';
import type { ScenarioRun } from '../runner/run-scenario.ts';

/** One (state, client) unit as it is planned and run. */
export interface UnitRef {
  scenario: string;
  state: string;
  client: string;
  sites: readonly string[];
  /** the interceptor in the middle, when the run puts several on one grid */
  box?: string;
}

export interface ScenarioPlan {
  id: string;
  description?: LocalisedText;
  states: ReadonlyArray<{ name: string; description?: LocalisedText }>;
  /** cells this scenario will report (units × sites); skipped ones included */
  cells: number;
}

export interface RunPlan {
  /** run: a live lab; detect: a stored run re-scored offline; merge-reports: the shards of one run put together */
  command: 'run' | 'detect' | 'merge-reports';
  /** the run dir re-scored (detect), the shards' dirs (merge-reports) */
  source?: string;
  runtime?: string;
  outDir: string;
  startedAt: Date;
  scenarios: readonly ScenarioPlan[];
  /** every cell of the run */
  cells: number;
  concurrency?: number;
}

export interface RunEnd {
  runs: readonly ScenarioRun[];
  verdict: BaselineVerdict;
  wallMs: number;
  /** each box's report card, when the run graded its boxes (docs/boxes.md) */
  boxCards?: readonly BoxCard[];
}

export interface Reporter {
  onBegin?(plan: RunPlan): void;
  onScenarioBegin?(scenario: ScenarioPlan): void;
  onUnitBegin?(unit: UnitRef): void;
  /** one cell's record, with its truth and connections once its unit's lane is released */
  onCellEnd?(unit: UnitRef, row: ResultRow): void;
  onUnitEnd?(unit: UnitRef, rows: readonly ResultRow[]): void;
  /** this scenario's detector checks against the baseline come with it */
  onScenarioEnd?(run: ScenarioRun, verdict: BaselineVerdict): void;
  /** files the reporter wrote, if any */
  onEnd?(end: RunEnd): void | string[] | Promise<void | string[]>;
}

/** What every reporter is built with. */
export interface ReporterContext {
  lang: Lang;
  tr: Translator;
  outDir: string;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  /** the command line, for the HTML report's metadata */
  argv?: readonly string[];
}
