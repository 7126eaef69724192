/**
 * Runs several tlslab command lines in one process (one start-up instead of one each), each in
 * its own working directory, as `npx tlslab …` would; prints one JSON line per command with its
 * exit code and output. Used by test/docs/commands.test.ts for the documented commands that are
 * cheap enough to run for real.
 */
import { main } from '../../harness/cli.ts';

interface Job {
  cwd: string;
  argv: string[];
}

const jobs = JSON.parse(process.argv[2] ?? '[]') as Job[];
const results: { argv: string[]; code: number; output: string }[] = [];
const write = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
for (const job of jobs) {
  let output = '';
  const capture = (chunk: string | Uint8Array) => {
    output += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  };
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
  process.chdir(job.cwd);
  process.exitCode = undefined;
  let code: number;
  try {
    code = await main(['node', 'tlslab', ...job.argv]);
  } catch (err) {
    output += `\nthrew: ${err instanceof Error ? err.stack : String(err)}`;
    code = 70;
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
  }
  results.push({ argv: job.argv, code, output: output.slice(-4000) });
}
process.exitCode = 0;
write.out(JSON.stringify(results) + '\n');
process.exit(0);
