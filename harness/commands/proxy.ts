import type { Command } from 'commander';

export function registerProxyCommand(_program: Command): void {
  // filled in by the module that owns this command
}
