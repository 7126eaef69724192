/**
 * `tlslab run`, `tlslab list`, `tlslab doctor`: the harness's face. Exit codes: 0 every row that
 * ran passed, 1 a row failed, 2 a usage or input error (UserError, handled by cli.ts).
 */
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { join, relative } from 'node:path';
import { compareToBaseline, loadPlugins, selectDetectors, type Detector } from '../../lab/detectors/index.ts';
import { renderDoctor, runDoctor } from '../doctor/checks.ts';
import { UserError } from '../errors.ts';
import { renderDetectorScores, renderRegressions } from '../report/detectors.ts';
import { renderTable } from '../report/table.ts';
import { REPORTERS, writeReportFiles, type ReporterName } from '../report/write.ts';
import { labCatalogue, labClients } from '../runner/lab-catalogue.ts';
import { loadBaseline, type Baseline } from '../runner/baseline.ts';
import { exitCodeFor, tally } from '../runner/results.ts';
import { defaultConcurrency, runAll } from '../runner/run-all.ts';
import type { ScenarioRun } from '../runner/run-scenario.ts';
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
  detectors: string;
  detectorPlugin: string[];
  baseline?: string;
}

/** --detectors picks among the built-ins; every --detector-plugin named on the command line runs too. */
async function chosenDetectors(flags: RunFlags): Promise<Detector[]> {
  const plugins = await loadPlugins(flags.detectorPlugin);
  const builtins = flags.detectors.trim() === 'none' ? [] : selectDetectors(flags.detectors, plugins).filter((d) => !plugins.includes(d));
  return [...builtins, ...plugins];
}

/** Prints every lost true positive and gained false positive; true when there was any. */
function reportRegressions(runs: readonly ScenarioRun[], baseline: Baseline): boolean {
  let regressed = false;
  for (const run of runs) {
    const before = baseline.get(run.result.scenario);
    if (before === undefined) {
      process.stderr.write(`tlslab: baseline has no results for ${run.result.scenario}; not compared\n`);
      continue;
    }
    const comparison = compareToBaseline(run.result.detectors, before);
    const count = comparison.lostTruePositives.length + comparison.gainedFalsePositives.length;
    if (count === 0) {
      process.stdout.write(`detectors (${run.result.scenario}): no regression against the baseline\n`);
      continue;
    }
    regressed = true;
    process.stdout.write(`detectors (${run.result.scenario}): ${count} regression${count > 1 ? 's' : ''} against the baseline\n${renderRegressions(comparison)}`);
  }
  return regressed;
}

async function runCommand(scenarioArgs: string[], flags: RunFlags): Promise<void> {
  const files = scenarioArgs.length > 0 ? scenarioArgs.map(resolveScenarioArgument) : builtInScenarioFiles();
  if (files.length === 0) throw new UserError('no scenarios to run');
  const runtime = await resolveRuntime(flags.runtime);
  const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
  const showTable = flags.reporter.includes('table');
  const detectors = await chosenDetectors(flags);
  const baseline = flags.baseline === undefined ? undefined : loadBaseline(flags.baseline);

  const runs = await runAll({
    files,
    runtime,
    catalogue: labCatalogue(),
    clients: labClients(),
    selection: { ...(flags.clients && { clients: flags.clients }), ...(flags.states && { states: flags.states }) },
    concurrency: flags.concurrency,
    visitTimeoutMs: flags.timeout * 1000,
    detectors,
    onScenarioStart: (s) => process.stderr.write(`tlslab: running ${s.id} on ${runtime.name}\n`),
    onScenarioDone: (run) => {
      if (showTable) process.stdout.write(renderTable(run, { color, ...(process.stdout.isTTY && { width: process.stdout.columns }) }) + '\n' + renderDetectorScores(run.result.scenario, run.result.detectors));
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
  const regressed = baseline !== undefined && reportRegressions(runs, baseline);
  process.exitCode = regressed ? 1 : exitCodeFor(runs.map((r) => r.result));
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
    .option('--detectors <list>', 'built-in detectors to score: all, none, or names (comma-separated)', 'all')
    .option('--detector-plugin <path...>', 'extra detectors: a module whose default export is a Detector, or an executable', [])
    .option('--baseline <results>', 'a results.json or report dir from an earlier run; exit 1 on a lost true positive or a gained false positive')
    .action(async (scenarios: string[], flags: RunFlags) => runCommand(scenarios, flags));

  program.command('list').description('built-in scenarios, and clients with their availability').action(listCommand);

  program
    .command('doctor')
    .description('what is installed, what is missing (and its Debian package), root, netns and podman')
    .action(async () => {
      process.stdout.write(renderDoctor(await runDoctor()));
    });
}
