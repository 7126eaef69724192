/**
 * Everything a run starts must die with it, including on Ctrl-C or a CI timeout's SIGTERM:
 * one root temp dir per run, and a set of teardowns run in reverse order on exit or signal. The
 * run registry (lab/runtime/registry) underneath names everything the run created, so a signal
 * first kills every process the run started (a browser mid-launch included), then the teardowns
 * run, then whatever they could not remove goes. Even a SIGKILL leaves nothing for long: the
 * run's supervisor removes it all, and the next run cleans up after runs whose supervisor died.
 */
import { closeRun, collectGarbage, createLabTempDir, killRunProcesses, removeRegisteredDir, type RegistryGcReport } from '../../lab/runtime/registry/index.ts';

type Teardown = () => Promise<unknown>;

const teardowns: Teardown[] = [];
let signalsInstalled = false;

async function runTeardowns(): Promise<void> {
  while (teardowns.length > 0) {
    const t = teardowns.pop()!;
    await t().catch(() => {});
  }
}

function installSignalHandlers(): void {
  if (signalsInstalled) return;
  signalsInstalled = true;
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.once(signal, () => {
      process.stderr.write(`\ntlslab: ${signal}: stopping the lab and removing its files\n`);
      // the browsers and clients go at once (a launch in progress too), whatever the teardowns do
      killRunProcesses();
      // a teardown that hangs must not keep the process alive past the signal; what is left then
      // is the exit hook's and the supervisor's
      const deadline = setTimeout(() => process.exit(code), 5000);
      deadline.unref();
      void runTeardowns()
        .then(() => closeRun())
        .catch(() => undefined)
        .finally(() => process.exit(code));
    });
  }
}

/** Registers a teardown; returns a function that runs it now (and unregisters it). */
export function onTeardown(teardown: Teardown): () => Promise<void> {
  installSignalHandlers();
  teardowns.push(teardown);
  return async () => {
    const i = teardowns.lastIndexOf(teardown);
    if (i >= 0) teardowns.splice(i, 1);
    await teardown();
  };
}

export interface RunDir {
  path: string;
  remove(): Promise<void>;
}

/** One line for stderr when the run found and removed what dead runs had left. */
export function describeDeadRuns(report: RegistryGcReport): string | undefined {
  const cleaned = report.runs.filter((r) => r.outcome === 'cleaned').map((r) => r.runId);
  if (cleaned.length === 0) return undefined;
  return `tlslab: removed what ${cleaned.length} dead run${cleaned.length > 1 ? 's' : ''} had left (${cleaned.join(', ')}; see tlslab gc)`;
}

/**
 * The one temp dir of a run; removed by `remove()` (call it in finally) or on a signal. Before it
 * is made, dead runs' leftovers go (live runs and runs whose supervisor is at work are left alone).
 */
export async function createRunDir(): Promise<RunDir> {
  const previous = await collectGarbage({ supervisorWaitMs: 0 }).catch((err: unknown) => {
    process.stderr.write(`tlslab: could not clean up after dead runs: ${(err as Error).message.split('\n')[0]} (try tlslab gc)\n`);
    return undefined;
  });
  const note = previous && describeDeadRuns(previous);
  if (note) process.stderr.write(note + '\n');
  installSignalHandlers();
  const path = createLabTempDir('tlslab-run-', 'run dir');
  const remove = onTeardown(async () => {
    removeRegisteredDir(path);
  });
  return { path, remove };
}
