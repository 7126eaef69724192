/**
 * `tlslab run`, `tlslab list`, `tlslab doctor`: the harness's face. Exit codes: 0 every row that
 * ran passed and no detector check failed, 1 a row or a check failed, 2 a usage or input error
 * (UserError, handled by cli.ts).
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { renderDoctor, runDoctor } from '../doctor/checks.ts';
import { UserError } from '../errors.ts';
import { BOX_NAMES, ENGINE_BOX } from '../../lab/boxes/index.ts';
import { gradeBoxes, type BoxCard } from '../../lab/boxes/grade/index.ts';
import type { ClientSource, ScenarioRun } from '../runner/run-scenario.ts';
import { installLastResortGuard } from '../../lab/proxy/index.ts';
import { scenarioDir } from '../report/write.ts';
import { labCatalogue, labClients } from '../runner/lab-catalogue.ts';
import { defaultConcurrency, runAll } from '../runner/run-all.ts';
import { langFromEnv } from '../i18n/lang.ts';
import { FILE_REPORTERS } from '../report/reporters.ts';
import { chosenDetectors, list, nonNegativeInt, parsePattern, parseShard, positiveInt, timestamp, withReportAndDetectorOptions, type DetectorFlags } from './options.ts';
import { checkOptions, describe, finishRun, runPlan, runReporters, scenarioPlan, scenarioVerdict, unitRef } from './report-runs.ts';
import { prepareRunOutDir } from '../runner/out-dir.ts';
import { resolveRuntime, runtimeNames } from '../runner/runtimes.ts';
import { builtInScenarioFiles, resolveScenarioArgument } from '../scenario/discover.ts';
import { loadScenarioFile } from '../scenario/load.ts';
import type { Scenario } from '../scenario/schema.ts';
import type { Shard } from '../runner/cell-filter.ts';
import { CONFIG_FILES, defaultsFor, findConfig, loadConfig } from './config.ts';

interface RunFlags extends DetectorFlags {
  runtime: string;
  box?: string[];
  boxProxy?: string;
  boxCa?: string;
  clients?: string[];
  states?: string[];
  concurrency: number;
  timeout: number;
  capture?: boolean;
  grade?: boolean;
  grep?: RegExp;
  grepInvert?: RegExp;
  shard?: Shard;
  retries: number;
  config?: string;
  project?: string;
}

/**
 * Flags the command line did not give take the config's value (its project's first); returns the
 * scenarios to run. Without a config file, --project is an error and nothing changes.
 */
async function withConfig(scenarioArgs: string[], flags: RunFlags, command: Command): Promise<string[]> {
  const file = findConfig(flags.config);
  if (file === undefined) {
    if (flags.project !== undefined) throw new UserError(`--project ${flags.project}: no config file (${CONFIG_FILES.join(' or ')}, or --config FILE)`);
    return scenarioArgs;
  }
  const { scenarios, grep, grepInvert, ...defaults } = defaultsFor(await loadConfig(file), file, flags.project);
  const values: Record<string, unknown> = { ...defaults, ...(grep !== undefined && { grep: new RegExp(grep) }), ...(grepInvert !== undefined && { grepInvert: new RegExp(grepInvert) }) };
  const target = flags as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined && command.getOptionValueSource(key) !== 'cli') target[key] = value;
  }
  return scenarioArgs.length > 0 ? scenarioArgs : (scenarios ?? []);
}

function checkedBoxes(names: readonly string[]): string[] {
  const unknown = names.filter((n) => !BOX_NAMES.includes(n));
  if (unknown.length > 0) throw new UserError(`--box: unknown box ${unknown.join(', ')}; boxes: ${BOX_NAMES.join(', ')}`);
  return [...new Set(names)];
}

/** --box-proxy and --box-ca, checked; undefined when neither is given */
function externalBox(flags: RunFlags): { proxy: { host: string; port: number }; caFile: string } | undefined {
  if (flags.boxProxy === undefined && flags.boxCa === undefined) return undefined;
  if (!flags.box?.includes('external')) throw new UserError('--box-proxy and --box-ca describe the external box: add --box external');
  if (flags.boxProxy === undefined || flags.boxCa === undefined) throw new UserError('--box external needs both --box-proxy HOST:PORT and --box-ca FILE');
  const m = /^(?:\[([0-9a-f:]+)\]|([^:]+)):(\d{1,5})$/i.exec(flags.boxProxy);
  const port = Number(m?.[3]);
  if (!m || port < 1 || port > 65_535) throw new UserError(`--box-proxy ${flags.boxProxy}: expected HOST:PORT`);
  const host = (m[1] ?? m[2])!;
  if (!/^127\./.test(host) && host !== '::1' && host !== 'localhost') throw new UserError(`--box-proxy ${flags.boxProxy}: the external box must listen on a loopback address (the lab sends traffic nowhere else)`);
  let pem: string;
  try {
    pem = readFileSync(flags.boxCa, 'utf8');
  } catch (err) {
    throw new UserError(`--box-ca ${flags.boxCa}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (!/-----BEGIN CERTIFICATE-----/.test(pem)) throw new UserError(`--box-ca ${flags.boxCa}: not a PEM certificate`);
  return { proxy: { host, port }, caFile: flags.boxCa };
}

async function runCommand(args: string[], flags: RunFlags, command: Command, clients: ClientSource): Promise<void> {
  const scenarioArgs = await withConfig(args, flags, command);
  const files = scenarioArgs.length > 0 ? scenarioArgs.map(resolveScenarioArgument) : builtInScenarioFiles();
  if (files.length === 0) throw new UserError('no scenarios to run');
  // the loopback runtime hosts the engine in this process: a bug in it is reported and the run goes on
  installLastResortGuard();
  const outDir = prepareRunOutDir(flags.out ?? join('runs', timestamp()));
  const runtime = await resolveRuntime(flags.runtime);
  const detectors = await chosenDetectors(flags);
  const options = checkOptions(flags);
  // captures are the default where the lab owns the wire (namespaces, container networks)
  const capture = flags.capture ?? runtime.name !== 'loopback';
  const keepsFiles = capture || flags.reporter.some((r) => FILE_REPORTERS.includes(r));
  const selection = { ...(flags.clients && { clients: flags.clients }), ...(flags.states && { states: flags.states }) };
  const { reporters, tr } = runReporters(flags, outDir);
  const startedAt = new Date();
  let plan = (s: Scenario) => scenarioPlan(s, selection, flags.box);

  const runs = await runAll({
    files,
    runtime,
    catalogue: labCatalogue(),
    clients,
    selection,
    choice: { grep: flags.grep, grepInvert: flags.grepInvert, shard: flags.shard },
    retries: flags.retries,
    ...(flags.box && { boxes: checkedBoxes(flags.box) }),
    ...(externalBox(flags) && { external: externalBox(flags)! }),
    concurrency: flags.concurrency,
    visitTimeoutMs: flags.timeout * 1000,
    detectors,
    capture,
    ...(keepsFiles && { artefactsDir: (scenario: string, count: number) => scenarioDir(outDir, count, scenario) }),
    onBegin: (scenarios, chosen) => {
      plan = (s) => scenarioPlan(s, chosen, flags.box);
      if (flags.shard && scenarios.length === 0) process.stderr.write(`tlslab: shard ${flags.shard.current}/${flags.shard.total} has no cells of this grid\n`);
      reporters.onBegin(runPlan({ command: 'run', runtime: runtime.name, outDir, startedAt, concurrency: flags.concurrency, scenarios: scenarios.map((s) => plan(s)) }));
    },
    onScenarioStart: (s) => reporters.onScenarioBegin(plan(s)),
    onUnitStart: (s, unit) => reporters.onUnitBegin(unitRef(s.id, unit)),
    onUnitDone: (s, unit, rows) => reporters.unitDone(unitRef(s.id, unit), rows),
    onScenarioDone: (run) => reporters.onScenarioEnd(run, scenarioVerdict(run, options)),
  });
  if (flags.shard) for (const run of runs) run.result.shard = flags.shard;
  const boxCards = await gradeRunBoxes(runs, flags);
  await finishRun(runs, reporters, options, tr, Date.now() - startedAt.getTime(), boxCards);
}

/**
 * The report cards of the run's boxes: by default when the run names boxes (--box or
 * interception.box), with --grade also for the engine alone; --no-grade skips them.
 */
async function gradeRunBoxes(runs: readonly ScenarioRun[], flags: RunFlags): Promise<BoxCard[] | undefined> {
  if (flags.grade === false) return undefined;
  const named = [...new Set(runs.flatMap((r) => r.result.rows.flatMap((row) => (row.box === undefined ? [] : [row.box]))))];
  const boxes = named.length > 0 ? named : flags.grade ? [ENGINE_BOX] : [];
  if (boxes.length === 0) return undefined;
  process.stderr.write(`tlslab: grading ${boxes.join(', ')} (tlslab grade; --no-grade skips it)\n`);
  return gradeBoxes(boxes, (card) => process.stderr.write(`tlslab: ${card.box}: ${'skipped' in card ? `not graded, ${card.skipped}` : card.grade}\n`));
}

async function listCommand(): Promise<void> {
  const catalogue = labCatalogue();
  const lang = langFromEnv();
  const out: string[] = ['scenarios:'];
  for (const file of builtInScenarioFiles()) {
    try {
      const s = await loadScenarioFile(file, catalogue);
      out.push(`  ${s.id.padEnd(24)} ${describe(s, lang)}`);
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

/** `clients`: where shims come from (default: the lab's own; a test may bring its own). */
export function registerRunCommands(program: Command, clients?: ClientSource): void {
  withReportAndDetectorOptions(
    program
      .command('run')
      .description('run scenarios (default: all of scenarios/*.yaml) and check every cell of the verdict grid')
      .argument('[scenario...]', 'scenario files or built-in scenario ids')
      .addOption(new Option('--runtime <name>', `where the lab runs (${runtimeNames().join(', ')})`).default('loopback'))
      .option('--clients <list>', 'only these clients (comma-separated)', list)
      .option('--box <list>', `the interceptors in the middle, one grid each: ${BOX_NAMES.join(', ')} (default: the scenario's interception.box, else engine)`, list)
      .option('--box-proxy <host:port>', 'the external box: your own proxy, listening on a loopback address')
      .option('--box-ca <file>', 'the external box: its CA certificate (PEM), which plays the rogue root')
      .option('--states <list>', 'only these states (comma-separated)', list)
      // the default is this machine's core count: say so, not the number it is here (docs/cli.md)
      .addOption(new Option('--concurrency <n>', '(state, client) units run at once').argParser(positiveInt).default(defaultConcurrency(), 'the number of cores, at least 2'))
      .option('--timeout <seconds>', 'per-visit timeout', positiveInt, 15)
      .option('--retries <n>', 'try a failed cell again up to n times; one that then passes is shown flaky', nonNegativeInt, 0)
      .option('--grep <pattern>', 'only cells whose title matches (a regular expression over "<scenario> <state> <client>@<site> [<box>]")', parsePattern)
      .option('--grep-invert <pattern>', 'only cells whose title does not match', parsePattern)
      .option('--shard <i/n>', 'run shard i of n: the cells, in grid order, cut into n contiguous slices of equal size (±1)', parseShard)
      .option('--config <file>', `defaults and projects (default: ${CONFIG_FILES.join(' or ')} in the working directory)`)
      .option('--project <name>', "the config's project whose settings to use")
      .option('--capture', 'one pcapng and key log per cell under <out>/captures (default: on for netns and containers)')
      .option('--no-capture', 'no captures, whatever the runtime')
      .option('--grade', 'a report card per box at the end of the run (default when the run names boxes)')
      .option('--no-grade', 'no report cards'),
  ).action(async (scenarios: string[], flags: RunFlags, command: Command) => runCommand(scenarios, flags, command, clients ?? labClients()));

  program.command('list').description('built-in scenarios, and clients with their availability').action(listCommand);

  program
    .command('doctor')
    .description('what is installed, what is missing (and its Debian package), root, netns and podman')
    .action(async () => {
      process.stdout.write(renderDoctor(await runDoctor()));
    });
}
