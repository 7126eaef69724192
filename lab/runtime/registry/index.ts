/**
 * The run registry: one record per lab process naming everything it created, a supervisor that
 * cleans up after it whichever way it ends, and the gc that reads every record (docs/cli.md, gc).
 */
export { currentRunId } from './identity.ts';
export { registryDir, sysctlHoldDir } from './paths.ts';
export { isSameProcess, processStartTicks } from './proc.ts';
export { listRecords, readRecord, type RunRecord, type RecordedDir, type RecordedEngine, type RecordedNetns, type RecordedProcess } from './record.ts';
export {
  closeRun,
  forgetDir,
  forgetEngine,
  forgetNetns,
  forgetProcess,
  holdRunSysctl,
  killRunProcesses,
  registerDir,
  registerEngine,
  registerNetns,
  registerProcess,
  registeredNow,
  releaseRunSysctl,
  removeRegisteredDir,
  runRecordFile,
  createLabTempDir,
  updateNetnsNamespaces,
} from './run.ts';
export { IP_FORWARD, readSysctl } from './sysctl.ts';
export { collectGarbage, type GcOptions, type RegistryGcReport, type RunOutcome } from './gc.ts';
export type { RunCleanReport } from './clean.ts';
