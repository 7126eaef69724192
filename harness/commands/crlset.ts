import type { Command } from 'commander';

export function registerCrlsetCommands(_program: Command): void {
  // filled in by the module that owns this command
}
