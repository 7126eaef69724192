/**
 * The CLI in the test's own process, for commands that start no lab (usage errors, merge-reports,
 * detect): no process start, no tsx compile. Its exit code and its stderr; stdout is left alone
 * (the test runner reports through it), and process.exitCode is put back as it was.
 */
import { main } from '../../../harness/cli.ts';

export async function tlslabHere(args: string[]): Promise<{ status: number; stderr: string }> {
  let stderr = '';
  const write = process.stderr.write;
  const exitCode = process.exitCode;
  process.stderr.write = ((chunk: string) => ((stderr += chunk), true)) as typeof process.stderr.write;
  try {
    return { status: await main(['node', 'tlslab', ...args]), stderr };
  } finally {
    process.stderr.write = write;
    process.exitCode = exitCode;
  }
}
