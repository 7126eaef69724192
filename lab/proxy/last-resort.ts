/**
 * The last resort of a process that hosts the engine. Every input the engine reads is checked and
 * every socket has an error listener, so an exception nothing caught is a bug; without this guard
 * it would kill the process and every connection and run in it. The guard reports the bug and the
 * process keeps serving. Tests must never see it fire: under node:test (NODE_TEST_CONTEXT, which
 * the test runner sets and child processes inherit) or with TLSLAB_ENGINE_BUGS=fatal it reports
 * and exits with status 70 (EX_SOFTWARE) instead, so the test fails; TLSLAB_ENGINE_BUGS=serve
 * keeps serving even there (the fuzz target counts the reports itself).
 * A native abort (a failed assertion inside Node or OpenSSL) cannot be caught by anything: only
 * checking inputs before they reach those APIs prevents it.
 */

export interface EngineBug {
  type: 'engine-bug';
  kind: 'uncaught-exception' | 'unhandled-rejection';
  message: string;
  stack?: string;
  /** bugs reported by this process so far, this one included */
  count: number;
  /** ms since epoch */
  time: number;
}

export type EngineBugMode = 'serve' | 'fatal';

export const ENGINE_BUG_EXIT_CODE = 70;

export function engineBugMode(env: NodeJS.ProcessEnv = process.env): EngineBugMode {
  const chosen = env.TLSLAB_ENGINE_BUGS;
  if (chosen === 'serve' || chosen === 'fatal') return chosen;
  return env.NODE_TEST_CONTEXT !== undefined ? 'fatal' : 'serve';
}

export type EngineBugSink = (bug: EngineBug) => void;

/** One line on stderr, for hosts without a structured channel. */
export const reportOnStderr: EngineBugSink = (bug) => {
  process.stderr.write(`tlslab: engine bug #${bug.count} (${bug.kind}), kept serving: ${bug.stack ?? bug.message}\n`);
};

let installed: { sinks: EngineBugSink[]; count: number } | undefined;

/**
 * Installs the guard once per process (later calls add their sink). Returns a function that
 * removes this sink; the process handlers stay, reporting to stderr when no sink is left.
 */
export function installLastResortGuard(sink: EngineBugSink = reportOnStderr, mode: EngineBugMode = engineBugMode()): () => void {
  if (!installed) {
    const state = { sinks: [] as EngineBugSink[], count: 0 };
    installed = state;
    const report = (kind: EngineBug['kind'], reason: unknown) => {
      const err = reason instanceof Error ? reason : undefined;
      const bug: EngineBug = {
        type: 'engine-bug',
        kind,
        message: err?.message ?? String(reason),
        ...(err?.stack ? { stack: err.stack } : {}),
        count: ++state.count,
        time: Date.now(),
      };
      for (const deliver of state.sinks.length > 0 ? state.sinks : [reportOnStderr]) {
        try {
          deliver(bug);
        } catch {
          // a broken sink must not turn one bug into a loop of them
        }
      }
      if (mode === 'fatal') process.exit(ENGINE_BUG_EXIT_CODE);
    };
    process.on('uncaughtException', (err) => report('uncaught-exception', err));
    process.on('unhandledRejection', (reason) => report('unhandled-rejection', reason));
  }
  const state = installed;
  state.sinks.push(sink);
  return () => {
    const at = state.sinks.indexOf(sink);
    if (at >= 0) state.sinks.splice(at, 1);
  };
}

/** Bugs this process has reported (0 when the guard was never installed). */
export function engineBugCount(): number {
  return installed?.count ?? 0;
}
