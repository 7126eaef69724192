/**
 * lab/detectors public API: the evidence contract, the Detector interface, built-ins, plug-ins,
 * running them over a run's cells, and scoring against ground truth and a baseline.
 */
export {
  evidenceSchema,
  pluginEvidenceSchema,
  observationSchema,
  originClientHelloSchema,
  parseEvidence,
  evidenceJsonSchema,
  describeCell,
  type Evidence,
  type PluginEvidence,
  type OriginClientHello,
  type CellKey,
} from './evidence.ts';
export { findingSchema, isSkip, type Detector, type Finding, type Verdict, type Skip, type RunContext } from './types.ts';
export { builtinDetectors, selectDetectors, BUILTIN_DETECTOR_NAMES, type BuiltinOptions } from './registry.ts';
export { loadPlugin, loadPlugins, PluginError, type PluginOptions } from './plugin.ts';
export { inspectAll, type CellFindings, type DetectorFinding } from './run.ts';
export {
  scoreDetectors,
  compareToBaseline,
  precisionOf,
  recallOf,
  regressionCount,
  scoreKey,
  detectorScoreSchema,
  type DetectorScore,
  type ScoredCell,
  type BaselineComparison,
  type RegressedCell,
  type MissingCell,
} from './scoring.ts';
export { toOriginClientHello, offeredVersion } from './clienthello/origin-hello.ts';
export { startClientHelloRecorder, type ClientHelloRecorder, type RecordedRequest } from './clienthello/recorder.ts';
export { gradeClientHello, type Grade } from './clienthello/grade.ts';
export { CLIENT_REFERENCES, type ClientReference } from './clienthello/reference.ts';
export { KAZAKH_KNOWN_SPKIS, type KnownSpki } from './builtin/known-interception.ts';
export { cellTruthSchema, interceptedOf, type CellTruth } from './truth.ts';
export { splitPem } from './certificates.ts';
export { buildEvidence, type CellInputs } from './build-evidence.ts';
