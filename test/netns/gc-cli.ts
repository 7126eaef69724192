/** Runs only the `gc` command as the CLI registers it, so its test does not depend on every other command loading. */
import { Command } from 'commander';
import { registerGcCommand } from '../../harness/commands/gc.ts';

const program = new Command('tlslab');
registerGcCommand(program);
await program.parseAsync(process.argv);
