/**
 * Everything a run starts must die with it, including on Ctrl-C or a CI timeout's SIGTERM:
 * one root temp dir per run, and a set of teardowns run in reverse order on exit or signal.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
      // a teardown that hangs must not keep the process alive past the signal
      const deadline = setTimeout(() => process.exit(code), 5000);
      deadline.unref();
      void runTeardowns().finally(() => process.exit(code));
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

/** The one temp dir of a run; removed by `remove()` (call it in finally) or on a signal. */
export async function createRunDir(): Promise<RunDir> {
  const path = await mkdtemp(join(tmpdir(), 'tlslab-run-'));
  const remove = onTeardown(() => rm(path, { recursive: true, force: true }));
  return { path, remove };
}
