/**
 * The process's exit code for a CLI call. An error no command expected is a bug: it must end the
 * process red, whatever else is installed. Rethrown to the entry module's top-level await, it
 * would become an 'uncaughtException' — which `tlslab run`'s last-resort guard (there for the
 * engine it hosts) reports as "kept serving", and the process then ended with status 0 and no
 * results: a green run that never ran.
 */
export const INTERNAL_ERROR_EXIT_CODE = 70;

export async function exitCodeOf(command: () => Promise<number>): Promise<number> {
  try {
    return await command();
  } catch (err) {
    const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
    process.stderr.write(`tlslab: internal error (a bug in the lab, not in your input): ${text}\n`);
    return INTERNAL_ERROR_EXIT_CODE;
  }
}
