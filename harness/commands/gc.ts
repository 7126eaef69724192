import type { Command } from 'commander';
import { collectGarbage } from '../../lab/runtime/netns/gc.ts';
import { DEFAULT_PREFIX } from '../../lab/runtime/netns/holder.ts';

export function registerGcCommand(program: Command): void {
  program
    .command('gc')
    .description('remove what an interrupted netns run left behind: its processes, namespaces and /etc/netns entries')
    .option('--prefix <prefix>', 'namespace name prefix', DEFAULT_PREFIX)
    .option('--state-dir <dir>', 'where runs record their namespaces (default: $TLSLAB_NETNS_STATE_DIR or a per-user tmp dir)')
    .option('--include-live', 'also stop runs whose owner is still running', false)
    .option('--json', 'print the report as JSON', false)
    .action(async (opts: { prefix: string; stateDir?: string; includeLive: boolean; json: boolean }) => {
      const report = await collectGarbage({ prefix: opts.prefix, stateDir: opts.stateDir, includeLive: opts.includeLive });
      if (opts.json) {
        process.stdout.write(JSON.stringify(report, null, 2) + '\n');
        return;
      }
      const lines = [
        `runs cleaned: ${report.runsCleaned.length}${report.runsCleaned.length ? ` (${report.runsCleaned.join(', ')})` : ''}`,
        `processes ended: ${report.processesEnded.length}`,
        ...report.processesEnded.map((p) => `  ${p.pid} ${p.killed ? 'SIGKILL' : 'SIGTERM'} ${p.command}`),
        `host namespaces deleted: ${report.hostNamespacesDeleted.length}`,
        `/etc/netns entries removed: ${report.etcDirsRemoved.length}`,
      ];
      if (report.runsSkippedAlive.length) lines.push(`still running, left alone: ${report.runsSkippedAlive.join(', ')} (use --include-live)`);
      process.stdout.write(lines.join('\n') + '\n');
    });
}
