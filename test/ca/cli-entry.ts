/**
 * The ca and crlset commands mounted the way harness/cli.ts mounts them, without the rest of the
 * CLI: its other commands belong to modules still being written in the same tree, and a
 * half-finished neighbour must not make these tests fail. Error handling mirrors harness/cli.ts main().
 */
import { Command, CommanderError } from 'commander';
import { UserError } from '../../harness/errors.ts';
import { registerCaCommands } from '../../harness/commands/ca.ts';
import { registerCrlsetCommands } from '../../harness/commands/crlset.ts';

const program = new Command('tlslab').exitOverride().showHelpAfterError();
registerCaCommands(program);
registerCrlsetCommands(program);
try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exitCode = err.exitCode === 0 ? 0 : 2;
  else if (err instanceof UserError) {
    process.stderr.write(`tlslab: ${err.message}\n`);
    process.exitCode = err.exitCode;
  } else throw err;
}
