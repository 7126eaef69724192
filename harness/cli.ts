import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { packageRoot } from '../lab/package-root.ts';
import { UserError } from './errors.ts';
import { registerCaCommands } from './commands/ca.ts';
import { registerCrlsetCommands } from './commands/crlset.ts';
import { registerProxyCommand } from './commands/proxy.ts';
import { registerRunCommands } from './commands/run.ts';
import type { ClientSource } from './runner/run-scenario.ts';
import { registerGcCommand } from './commands/gc.ts';
import { registerDetectCommand } from './commands/detect.ts';
import { registerGradeCommand } from './commands/grade.ts';
import { registerShowReportCommand } from './commands/show-report.ts';
import { registerProbeCommand } from './commands/probe.ts';
import { registerMergeReportsCommand } from './commands/merge-reports.ts';

/** The lab's version, as package.json says it (one source for npm and --version). */
export function labVersion(): string {
  // packageRoot(): the same file whether this runs from the sources or from the build in dist/
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

/** What a caller may put in place of the lab's own parts (an embedding, a test's own client shims). */
export interface ProgramParts {
  clients?: ClientSource;
}

export function buildProgram(parts: ProgramParts = {}): Command {
  const program = new Command('tlslab')
    .description('TLS interception lab: rogue national CAs, an SNI-selective interceptor, real clients')
    .version(labVersion(), '-V, --version', 'the lab\'s version (package.json)')
    .exitOverride()
    .showHelpAfterError();
  registerCaCommands(program);
  registerCrlsetCommands(program);
  registerProxyCommand(program);
  registerRunCommands(program, parts.clients);
  registerDetectCommand(program);
  registerGradeCommand(program);
  registerGcCommand(program);
  registerShowReportCommand(program);
  registerProbeCommand(program);
  registerMergeReportsCommand(program);
  return program;
}

/** Runs the CLI and returns the exit code: 0 ok, 1 a checked expectation failed, 2 user error. */
export async function main(argv: string[], parts: ProgramParts = {}): Promise<number> {
  const program = buildProgram(parts);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander already printed its message; help and version are not failures
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof UserError) {
      process.stderr.write(`tlslab: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
}
