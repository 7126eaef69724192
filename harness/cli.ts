import { Command, CommanderError } from 'commander';
import { UserError } from './errors.ts';
import { registerCaCommands } from './commands/ca.ts';
import { registerCrlsetCommands } from './commands/crlset.ts';
import { registerProxyCommand } from './commands/proxy.ts';
import { registerRunCommands } from './commands/run.ts';
import { registerGcCommand } from './commands/gc.ts';
import { registerDetectCommand } from './commands/detect.ts';
import { registerGradeCommand } from './commands/grade.ts';
import { registerShowReportCommand } from './commands/show-report.ts';
import { registerProbeCommand } from './commands/probe.ts';

export function buildProgram(): Command {
  const program = new Command('tlslab')
    .description('TLS interception lab: rogue national CAs, an SNI-selective interceptor, real clients')
    .exitOverride()
    .showHelpAfterError();
  registerCaCommands(program);
  registerCrlsetCommands(program);
  registerProxyCommand(program);
  registerRunCommands(program);
  registerDetectCommand(program);
  registerGradeCommand(program);
  registerGcCommand(program);
  registerShowReportCommand(program);
  registerProbeCommand(program);
  return program;
}

/** Runs the CLI and returns the exit code: 0 ok, 1 a checked expectation failed, 2 user error. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
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
