/**
 * `tlslab gc`: removes what dead runs left (their processes, namespaces, containers, networks and
 * temp dirs, key logs first), puts back the sysctls they held, and says what it did. `tlslab run`
 * does the same for dead runs before it starts (harness/runner/lifecycle.ts).
 */
import type { Command } from 'commander';
import { collectGarbage, registryDir, type RegistryGcReport, type RunCleanReport } from '../../lab/runtime/registry/index.ts';
import { DEFAULT_PREFIX } from '../../lab/runtime/netns/holder.ts';
import { checkPrefix } from '../../lab/runtime/netns/gc.ts';
import { UserError } from '../errors.ts';

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** one line per cleaned run: what was there and what happened to it */
export function describeCleanup(report: RunCleanReport): string {
  const parts: string[] = [];
  const processes = report.processes.reduce((n, p) => n + p.signalled, 0);
  parts.push(`${plural(processes, 'process', 'processes')} killed`);
  const nsProcesses = report.netns.reduce((n, ns) => n + ns.processes.length, 0);
  if (report.netns.length > 0) parts.push(`${plural(report.netns.length, 'netns lab')} (${plural(nsProcesses, 'process', 'processes')} inside)`);
  for (const engine of report.engines) {
    parts.push(`${plural(engine.containers.length, 'container')}, ${plural(engine.networks.length, 'network')}${engine.serviceStopped ? ', podman service stopped' : ''}`);
  }
  for (const sysctl of report.sysctls) parts.push(`${sysctl.key} ${sysctl.outcome}`);
  const bytes = report.dirs.reduce((n, d) => n + d.bytes, 0);
  const keyLogs = report.dirs.reduce((n, d) => n + d.keyLogs, 0);
  parts.push(`${plural(report.dirs.length, 'temp dir')} removed (${megabytes(bytes)}${keyLogs ? `, ${plural(keyLogs, 'key log')} first` : ''})`);
  return parts.join(', ');
}

export function renderGcReport(report: RegistryGcReport, prefix: string): string {
  const lines: string[] = [];
  const cleaned = report.runs.filter((r) => r.outcome === 'cleaned');
  lines.push(`runs cleaned: ${cleaned.length}`);
  for (const run of cleaned) if (run.outcome === 'cleaned') lines.push(`  ${run.runId} (owner pid ${run.ownerPid}): ${describeCleanup(run.report)}`);
  for (const outcome of ['cleaned by its supervisor', 'left to its supervisor', 'unreadable record removed'] as const) {
    const runs = report.runs.filter((r) => r.outcome === outcome);
    if (runs.length > 0) lines.push(`${outcome}: ${runs.map((r) => r.runId).join(', ')}`);
  }
  const alive = report.runs.filter((r) => r.outcome === 'owner still running');
  if (alive.length > 0) lines.push(`still running, left alone: ${alive.map((r) => `${r.runId} (pid ${r.ownerPid})`).join(', ')} (use --include-live)`);
  for (const s of report.sysctls) lines.push(`${s.key}: ${s.outcome}`);
  const named = report.namedLeftovers;
  lines.push(`${prefix}* left on the host: ${plural(named.hostNamespacesDeleted.length, 'namespace')} deleted, ${plural(named.etcDirsRemoved.length, '/etc/netns entry', '/etc/netns entries')} removed, ${plural(named.processesEnded.length, 'process', 'processes')} ended`);
  lines.push(`took ${(report.durationMs / 1000).toFixed(1)} s`);
  return lines.join('\n') + '\n';
}

export function gcErrors(report: RegistryGcReport): string[] {
  return report.runs.flatMap((r) => (r.outcome === 'cleaned' ? r.report.errors.map((e) => `${r.runId}: ${e}`) : []));
}

export function registerGcCommand(program: Command): void {
  program
    .command('gc')
    .description('remove what dead runs left behind: processes, namespaces, containers, networks, temp dirs (key logs first); restore the sysctls they held')
    .option('--registry <dir>', 'where runs are recorded (default: $TLSLAB_REGISTRY_DIR, /run/tlslab/runs as root)')
    .option('--prefix <prefix>', 'also remove host netns names and /etc/netns entries with this prefix', DEFAULT_PREFIX)
    .option('--include-live', 'also clean up runs whose process is still running (they lose their lab)', false)
    .option('--json', 'print the report as JSON', false)
    .action(async (opts: { registry?: string; prefix: string; includeLive: boolean; json: boolean }) => {
      try {
        checkPrefix(opts.prefix);
      } catch (err) {
        throw new UserError(`--prefix: ${(err as Error).message}`);
      }
      const report = await collectGarbage({ registry: opts.registry ?? registryDir(), netnsPrefix: opts.prefix, includeLive: opts.includeLive });
      process.stdout.write(opts.json ? JSON.stringify(report, null, 2) + '\n' : renderGcReport(report, opts.prefix));
      const errors = gcErrors(report);
      for (const e of errors) process.stderr.write(`tlslab: gc could not remove: ${e}\n`);
      if (errors.length > 0) process.exitCode = 1;
    });
}
