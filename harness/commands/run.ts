/**
 * `tlslab run`, `tlslab list`, `tlslab doctor`: the harness's face. Exit codes: 0 every row that
 * ran passed, 1 a row failed, 2 a usage or input error (UserError, handled by cli.ts).
 */
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { join, relative } from 'node:path';
import { renderDoctor, runDoctor } from '../doctor/checks.ts';
import { UserError } from '../errors.ts';
import { renderTable } from '../report/table.ts';
import { REPORTERS, writeReportFiles, type ReporterName } from '../report/write.ts';
import { labCatalogue, labClients } from '../runner/lab-catalogue.ts';
import { exitCodeFor, tally } from '../runner/results.ts';
import { defaultConcurrency, runAll } from '../runner/run-all.ts';
import { resolveRuntime, runtimeNames } from '../runner/runtimes.ts';
import { builtInScenarioFiles, resolveScenarioArgument } from '../scenario/discover.ts';
import { loadScenarioFile } from '../scenario/load.ts';

function list(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number ≥ 1');
  return n;
}

function reporters(value: string): ReporterName[] {
  const names = list(value);
  const unknown = names.filter((n) => !(REPORTERS as readonly string[]).includes(n));
  if (unknown.length > 0) throw new InvalidArgumentError(`unknown reporter ${unknown.join(', ')}; valid: ${REPORTERS.join(', ')}`);
  return names as ReporterName[];
}

function timestamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-').replace(/-\d+Z$/, 'Z');
}

interface RunFlags {
  runtime: string;
  clients?: string[];
  states?: string[];
  reporter: ReporterName[];
  out?: string;
  concurrency: number;
  timeout: number;
}

async function runCommand(scenarioArgs: string[], flags: RunFlags): Promise<void> {
  const files = scenarioArgs.length > 0 ? scenarioArgs.map(resolveScenarioArgument) : builtInScenarioFiles();
  if (files.length === 0) throw new UserError('no scenarios to run');
  const runtime = await resolveRuntime(flags.runtime);
  const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
  const showTable = flags.reporter.includes('table');

  const runs = await runAll({
    files,
    runtime,
    catalogue: labCatalogue(),
    clients: labClients(),
    selection: { ...(flags.clients && { clients: flags.clients }), ...(flags.states && { states: flags.states }) },
    concurrency: flags.concurrency,
    visitTimeoutMs: flags.timeout * 1000,
    onScenarioStart: (s) => process.stderr.write(`tlslab: running ${s.id} on ${runtime.name}\n`),
    onScenarioDone: (run) => {
      if (showTable) process.stdout.write(renderTable(run, { color }) + '\n');
    },
  });

  const fileReporters = flags.reporter.filter((r) => r !== 'table');
  if (fileReporters.length > 0) {
    const outDir = flags.out ?? join('runs', timestamp());
    const written = await writeReportFiles(outDir, runs, fileReporters);
    process.stderr.write(`tlslab: wrote ${written.map((w) => relative(process.cwd(), w) || w).join(', ')}\n`);
  }
  const all = tally(runs.flatMap((r) => r.result.rows));
  process.stderr.write(`tlslab: ${all.passed} passed, ${all.failed} failed, ${all.skipped} skipped\n`);
  process.exitCode = exitCodeFor(runs.map((r) => r.result));
}

async function listCommand(): Promise<void> {
  const catalogue = labCatalogue();
  const out: string[] = ['scenarios:'];
  for (const file of builtInScenarioFiles()) {
    try {
      const s = await loadScenarioFile(file, catalogue);
      out.push(`  ${s.id.padEnd(24)} ${s.description.trim().split('\n')[0] ?? ''}`);
    } catch (err) {
      out.push(`  ${relative(process.cwd(), file)}: INVALID (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`);
    }
  }
  out.push('', 'clients:');
  const clients = labClients();
  const probed = await Promise.all(catalogue.clients.map(async (name) => ({ name, a: await clients.availability(name) })));
  for (const { name, a } of probed) {
    out.push(`  ${name.padEnd(10)} ${a.available ? `available  ${a.version ?? ''}` : `missing    ${a.reason ?? ''}`}`.trimEnd());
  }
  out.push('', `runtimes: ${runtimeNames().join(', ')}`);
  process.stdout.write(out.join('\n') + '\n');
}

export function registerRunCommands(program: Command): void {
  program
    .command('run')
    .description('run scenarios (default: all of scenarios/*.yaml) and check every cell of the verdict grid')
    .argument('[scenario...]', 'scenario files or built-in scenario ids')
    .addOption(new Option('--runtime <name>', `where the lab runs (${runtimeNames().join(', ')})`).default('loopback'))
    .option('--clients <list>', 'only these clients (comma-separated)', list)
    .option('--states <list>', 'only these states (comma-separated)', list)
    .option('--reporter <list>', `reporters: ${REPORTERS.join(',')}`, reporters, [...REPORTERS])
    .option('--out <dir>', 'where report files go (default ./runs/<timestamp>)')
    .option('--concurrency <n>', '(state, client) units run at once', positiveInt, defaultConcurrency())
    .option('--timeout <seconds>', 'per-visit timeout', positiveInt, 15)
    .action(async (scenarios: string[], flags: RunFlags) => runCommand(scenarios, flags));

  program.command('list').description('built-in scenarios, and clients with their availability').action(listCommand);

  program
    .command('doctor')
    .description('what is installed, what is missing (and its Debian package), root, netns and podman')
    .action(async () => {
      process.stdout.write(renderDoctor(await runDoctor()));
    });
}
