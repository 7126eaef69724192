import type { Command } from 'commander';

export function registerGcCommand(_program: Command): void {
  // filled in by lab/runtime/netns: removes what an interrupted run left behind
}
