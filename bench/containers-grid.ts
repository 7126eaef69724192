/**
 * `npx tsx bench/containers-grid.ts [--scenario ID] [--rounds N] [--from-empty] [--json FILE]` (--rounds 0: only the set-up):
 * one scenario's whole grid (every client, default kz-2019-qaznet) through the CLI on loopback and
 * on containers, back to back, rounds alternating which goes first; the wall time of each, their
 * ratio, and whether the grids are equal row for row (harness/runner/grid-parity.ts). With
 * --from-empty, first the containers set-up on empty image storage of its own (engine start and
 * image import) and the image's size. The machine is shared: the load average before and after
 * each run is printed beside it, and only runs of one round are compared.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareGrids, describeDifferences } from '../harness/runner/grid-parity.ts';
import type { ScenarioResult } from '../harness/runner/results.ts';
import { acquireContainerSession, shutdownContainerSession } from '../lab/runtime/containers/index.ts';
import { callEngineJson } from '../lab/runtime/containers/engine-api.ts';

const CLI = fileURLToPath(new URL('../bin/tlslab.js', import.meta.url));
const CLEAN = fileURLToPath(new URL('../docker/clean.sh', import.meta.url));

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const scenario = option('--scenario') ?? 'kz-2019-qaznet';
const rounds = Number(option('--rounds') ?? 1);
const jsonFile = option('--json');
const fromEmpty = process.argv.includes('--from-empty');

interface GridRun {
  runtime: string;
  wallMs: number;
  loadBefore: number;
  loadAfter: number;
  rows: number;
  failed: number;
  skipped: number;
  result: ScenarioResult;
}

async function runGrid(runtime: string): Promise<GridRun> {
  const out = mkdtempSync(join(tmpdir(), 'tlslab-bench-grid-'));
  const loadBefore = loadavg()[0]!;
  const started = performance.now();
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, 'run', scenario, '--runtime', runtime, '--reporter', 'json', '--out', out], { stdio: ['ignore', 'ignore', 'inherit'] });
      child.once('error', reject);
      child.once('close', resolve);
    });
    const wallMs = performance.now() - started;
    const result = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ScenarioResult;
    const failed = result.rows.filter((r) => r.skipped === undefined && !r.pass).length;
    if (code !== 0 && failed === 0) throw new Error(`tlslab run --runtime ${runtime} exited ${code}`);
    return { runtime, wallMs, loadBefore, loadAfter: loadavg()[0]!, rows: result.rows.length, failed, skipped: result.rows.filter((r) => r.skipped !== undefined).length, result };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** engine start and image import on empty storage of its own, and the image's size; the storage goes afterwards */
async function setUpFromEmpty(): Promise<{ engineMs: number; imageMs: number; totalMs: number; imageBytes: number }> {
  const home = mkdtempSync(join(tmpdir(), 'tlslab-bench-empty-'));
  // the session points this process's testcontainers at its engine: the runs after it must not inherit that
  const inherited = { ...process.env };
  process.env.TLSLAB_CONTAINERS_HOME = home;
  try {
    const started = performance.now();
    const session = await acquireContainerSession();
    const totalMs = performance.now() - started;
    const images = await callEngineJson<{ RepoTags?: string[]; Size?: number }[]>(session.engine.endpoint, 'GET', '/images/json');
    const imageBytes = images.find((i) => i.RepoTags?.includes(session.build.image))?.Size ?? Number.NaN;
    await shutdownContainerSession();
    return { engineMs: session.engineStartMs, imageMs: session.build.durationMs, totalMs, imageBytes };
  } finally {
    for (const name of ['TLSLAB_CONTAINERS_HOME', 'DOCKER_HOST', 'TESTCONTAINERS_HOST_OVERRIDE', 'TESTCONTAINERS_RYUK_DISABLED']) {
      if (inherited[name] === undefined) delete process.env[name];
      else process.env[name] = inherited[name];
    }
    spawnSync('bash', [CLEAN], { env: { ...process.env, TLSLAB_CONTAINERS_HOME: home }, stdio: 'ignore', timeout: 120_000 });
    rmSync(home, { recursive: true, force: true });
  }
}

const seconds = (ms: number) => (ms / 1000).toFixed(1);
const report: Record<string, unknown> = { scenario, node: process.version, cores: spawnSync('nproc', { encoding: 'utf8' }).stdout.trim() };

if (fromEmpty) {
  const empty = await setUpFromEmpty();
  report.fromEmpty = empty;
  process.stdout.write(`set-up from empty storage: ${seconds(empty.totalMs)} s (engine ${seconds(empty.engineMs)} s, image ${seconds(empty.imageMs)} s); image ${(empty.imageBytes / 1024).toFixed(0)} KiB\n`);
}

const roundsDone: { loopback: GridRun; containers: GridRun; ratio: number; differences: number }[] = [];
for (let round = 1; round <= rounds; round++) {
  const order = round % 2 === 1 ? ['loopback', 'containers'] : ['containers', 'loopback'];
  const runs = new Map<string, GridRun>();
  for (const runtime of order) runs.set(runtime, await runGrid(runtime));
  const [loopback, containers] = [runs.get('loopback')!, runs.get('containers')!];
  const differences = compareGrids(loopback.result, containers.result);
  const ratio = containers.wallMs / loopback.wallMs;
  roundsDone.push({ loopback, containers, ratio, differences: differences.length });
  for (const run of [loopback, containers]) {
    process.stdout.write(`round ${round} ${run.runtime.padEnd(10)} ${seconds(run.wallMs).padStart(6)} s  ${run.rows} rows, ${run.failed} failed, ${run.skipped} skipped  (load ${run.loadBefore.toFixed(1)} → ${run.loadAfter.toFixed(1)})\n`);
  }
  const byClient = (run: GridRun) => {
    const sums = new Map<string, number>();
    for (const row of run.result.rows) sums.set(row.client, (sums.get(row.client) ?? 0) + (row.actual.durationMs ?? 0));
    return [...sums].map(([client, ms]) => `${client} ${seconds(ms)}`).join(', ');
  };
  process.stdout.write(`round ${round} visit time per client (s), loopback: ${byClient(loopback)}\nround ${round} visit time per client (s), containers: ${byClient(containers)}\n`);
  process.stdout.write(`round ${round} containers / loopback = ${ratio.toFixed(2)}; grids ${differences.length === 0 ? 'equal row for row' : `differ:\n${describeDifferences(differences, ['loopback', 'containers'])}`}\n`);
}
const ratios = roundsDone.map((r) => r.ratio).sort((a, b) => a - b);
if (ratios.length > 0) process.stdout.write(`median ratio over ${ratios.length} round(s): ${ratios[Math.floor(ratios.length / 2)]!.toFixed(2)}\n`);
report.rounds = roundsDone.map((r) => ({
  loopback: { wallMs: Math.round(r.loopback.wallMs), failed: r.loopback.failed, load: [r.loopback.loadBefore, r.loopback.loadAfter] },
  containers: { wallMs: Math.round(r.containers.wallMs), failed: r.containers.failed, load: [r.containers.loadBefore, r.containers.loadAfter] },
  ratio: Number(r.ratio.toFixed(3)),
  differences: r.differences,
}));
if (jsonFile) writeFileSync(jsonFile, JSON.stringify(report, null, 2) + '\n');
