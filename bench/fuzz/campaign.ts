/**
 * A fuzz campaign against the engine in its own process (bench-lab.ts): a truncation sweep, then
 * fast-check draws of structured malformed input on both doors, then the checks of issue 12: the
 * process is alive, no engine bug was reported, no connection outlived the engine's timeouts, fds
 * come back to their baseline, RSS grew less than 20 %, and a valid request works through each door.
 */
import fc from 'fast-check';
import { startBenchLab } from './bench-lab.ts';
import { deliver, type Delivery, type Doors } from './deliver.ts';
import { INPUT_KINDS, inputArbitrary, OTHER_NAME, seedsFrom, TARGET_NAME, truncationSweep, type FuzzInput, type InputKind } from './inputs.ts';
import { realHellos } from './real-hellos.ts';
import type { Target, TargetConfig } from './target.ts';
import { validRequest } from './valid-request.ts';

export interface CampaignOptions {
  /** random inputs (the truncation sweep comes on top) */
  inputs: number;
  seed: number;
  /** connections in flight at once */
  concurrency?: number;
  /** the sweep also leaves every prefix open, for the hello timeout to end (slow: full runs only) */
  sweepWithoutEnd?: boolean;
  /** the engine to fuzz (default: this tree's); for before/after comparisons */
  targetScript?: string;
  /** count crashes and restart the target instead of stopping at the first (fds and RSS then say nothing) */
  restartOnCrash?: boolean;
  onProgress?: (line: string) => void;
}

export interface Crash {
  exit: string;
  /** the start of the target's stderr after the crash: the assertion and both stacks */
  stderr: string;
  /** the inputs in flight when it died: the culprit is among them */
  suspects: Record<string, unknown>[];
}

export interface CampaignReport {
  seed: number;
  inputs: number;
  byKind: Record<InputKind, number>;
  byDoor: { sni: number; connect: number };
  durationMs: number;
  crashes: Crash[];
  engineBugs: { message: string; stack?: string }[];
  /** connections the engine still held after every timeout had passed */
  heldOpen: number;
  /** `extra`: what the fds above the baseline are, when there are any */
  fds: { baseline: number; after: number; extra?: string[] };
  rssKiB: { baseline: number; after: number; growthPercent: number };
  validAfter: { sni: boolean; connect: boolean };
  /** how the engine ended the connections: decisions and failure causes */
  outcomes: Record<string, number>;
  passed: boolean;
  failures: string[];
}

const FUZZ_TIMEOUTS: TargetConfig['timeouts'] = {
  helloTimeoutMs: 300,
  upstreamTimeoutMs: 1_000,
  clientHandshakeTimeoutMs: 500,
  requestHeadTimeoutMs: 500,
  idleTimeoutMs: 500,
  connectionTimeoutMs: 5_000,
};
/** past every timeout above (the longest chain: hello, upstream, handshake, head, idle) */
const CLOSE_WITHIN_MS = 8_000;
/** inputs drawn from fast-check at a time (bounded memory: some inputs are 100 KiB) */
const DRAW = 500;
/** inputs before RSS is taken as the baseline: JIT, caches and pools warmed up */
const WARM_UP = 1_000;
const QUIET_TIMEOUT_MS = 15_000;
const RSS_GROWTH_LIMIT_PERCENT = 20;

/** Waits until every connection the target accepted is closed and it holds no socket; `settled` says whether that happened. */
async function quiet(target: Target): Promise<{ status: Awaited<ReturnType<Target['status']>>; settled: boolean }> {
  const deadline = Date.now() + QUIET_TIMEOUT_MS;
  for (;;) {
    const status = await target.status({ gc: true });
    const settled = status.accepted === status.closed && status.openSockets === 0;
    if (settled || Date.now() > deadline) return { status, settled };
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function runCampaign(options: CampaignOptions): Promise<CampaignReport> {
  const started = Date.now();
  const progress = options.onProgress ?? (() => {});
  const concurrency = options.concurrency ?? 128;
  const lab = await startBenchLab(FUZZ_TIMEOUTS, options.targetScript);
  const launch = () => lab.launch();
  let target = await launch();
  const doors: Doors = { sniPort: target.sniPort, connectPort: target.connectPort };
  const byKind = Object.fromEntries(INPUT_KINDS.map((k) => [k, 0])) as Record<InputKind, number>;
  const byDoor = { sni: 0, connect: 0 };
  const crashes: Crash[] = [];
  const bugs: CampaignReport['engineBugs'] = [];
  const inFlight = new Set<FuzzInput>();
  let heldOpen = 0;
  let sent = 0;
  let restarting: Promise<void> | undefined;
  let stopped = false;
  /** after each input: a dead target is a crash (recorded once, with what was in flight) */
  const check = async () => {
    if (target.alive() || restarting) return restarting;
    const dead = target;
    crashes.push({ exit: dead.exit() ?? '?', stderr: dead.stderr().slice(0, 4_000), suspects: [...inFlight].map(describeInput) });
    bugs.push(...dead.bugs.splice(0));
    if (!options.restartOnCrash) {
      stopped = true;
      return;
    }
    restarting = launch().then((next) => {
      target = next;
      Object.assign(doors, { sniPort: next.sniPort, connectPort: next.connectPort });
      restarting = undefined;
    });
    return restarting;
  };
  const send = async (input: FuzzInput) => {
    await restarting;
    if (stopped) return;
    inFlight.add(input);
    const how: Delivery = await deliver(input, doors, CLOSE_WITHIN_MS);
    await check();
    inFlight.delete(input);
    sent++;
    byKind[input.kind]++;
    byDoor[input.door]++;
    if (how === 'held-open') heldOpen++;
    if (target.bugs.length > 0 && !options.restartOnCrash) stopped = true;
  };
  /** runs `next()`'s inputs with `concurrency` in flight until it returns undefined or the run stops */
  const drive = async (next: () => FuzzInput | undefined) => {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let input = next(); input && !stopped; input = next()) await send(input);
      }),
    );
  };
  const failures: string[] = [];
  try {
    const seeds = seedsFrom(await realHellos(TARGET_NAME, OTHER_NAME));
    // baseline: after one valid request per door, with the pooled upstream connections gone again
    for (const door of ['sni', 'connect'] as const) {
      if (!(await validRequest(doors, door, lab.roguePem))) failures.push(`a valid request through the ${door} door failed before fuzzing`);
    }
    await quiet(target);
    const fdTable = target.fdTable();
    const fdsBaseline = fdTable.size;

    const sweep = truncationSweep(seeds);
    if (options.sweepWithoutEnd) sweep.push(...sweep.map((i) => ({ ...i, end: false })));
    progress(`sweep: ${sweep.length} truncated hellos`);
    await drive(() => sweep.shift());

    // fast-check draws the inputs: deterministic for a seed, in slices so memory stays bounded
    const arbitrary = inputArbitrary(seeds);
    let drawn: FuzzInput[] = [];
    let slice = 0;
    let taken = 0;
    let rssBaseline = NaN;
    const nextRandom = (): FuzzInput | undefined => {
      if (taken >= options.inputs) return undefined;
      if (drawn.length === 0) drawn = fc.sample(arbitrary, { numRuns: Math.min(DRAW, options.inputs - taken), seed: options.seed + slice++ });
      taken++;
      return drawn.shift();
    };
    const warmUp = Math.min(WARM_UP, Math.floor(options.inputs / 4));
    await drive(() => (taken < warmUp ? nextRandom() : undefined));
    if (!options.restartOnCrash && target.alive()) {
      await quiet(target);
      rssBaseline = target.rssKiB();
    }
    let reported = Date.now();
    await drive(() => {
      if (Date.now() - reported > 10_000) {
        reported = Date.now();
        progress(`${sent} inputs, ${crashes.length} crashes, ${heldOpen} held open, rss ${target.alive() ? target.rssKiB() : '-'} KiB`);
      }
      return nextRandom();
    });
    await restarting;
    await check();

    bugs.push(...target.bugs);
    const alive = target.alive();
    let after = { fds: NaN, rss: NaN, outcomes: {} as Record<string, number>, extra: [] as string[] };
    let validAfter = { sni: false, connect: false };
    if (alive) {
      try {
        validAfter = { sni: await validRequest(doors, 'sni', lab.roguePem), connect: await validRequest(doors, 'connect', lab.roguePem) };
        const { status, settled } = await quiet(target);
        if (!settled) failures.push(`${QUIET_TIMEOUT_MS} ms after the last input the engine still had ${status.accepted - status.closed} connection(s) and ${status.openSockets} socket(s) open`);
        const table = target.fdTable();
        const extra = [...table].filter(([fd, what]) => fdTable.get(fd) !== what).map(([fd, what]) => `${fd} → ${what}`);
        after = { fds: table.size, rss: target.rssKiB(), outcomes: status.outcomes, extra };
      } catch (err) {
        failures.push(`the final checks failed: ${(err as Error).message}`);
        await check();
      }
    }
    const growthPercent = Math.round(((after.rss - rssBaseline) / rssBaseline) * 1000) / 10;
    if (crashes.length > 0) failures.push(`the target crashed ${crashes.length} time(s): ${crashes[0]!.exit}`);
    if (bugs.length > 0) failures.push(`${bugs.length} engine bug(s) reported`);
    if (heldOpen > 0) failures.push(`${heldOpen} connection(s) outlived every timeout`);
    if (!options.restartOnCrash && crashes.length === 0) {
      if (after.fds > fdsBaseline) failures.push(`fds: ${fdsBaseline} before, ${after.fds} after`);
      if (!(growthPercent < RSS_GROWTH_LIMIT_PERCENT)) failures.push(`RSS grew ${growthPercent} % (limit ${RSS_GROWTH_LIMIT_PERCENT} %)`);
      if (!(validAfter.sni && validAfter.connect)) failures.push(`a valid request failed after fuzzing: ${JSON.stringify(validAfter)}`);
    }
    return {
      seed: options.seed,
      inputs: sent,
      byKind,
      byDoor,
      durationMs: Date.now() - started,
      crashes,
      engineBugs: bugs,
      heldOpen,
      fds: { baseline: fdsBaseline, after: after.fds, ...(after.fds > fdsBaseline ? { extra: after.extra } : {}) },
      rssKiB: { baseline: rssBaseline, after: after.rss, growthPercent },
      validAfter,
      outcomes: after.outcomes,
      passed: failures.length === 0,
      failures,
    };
  } finally {
    await restarting?.catch(() => {});
    await target.stop();
    await lab.close();
  }
}

function describeInput(input: FuzzInput): Record<string, unknown> {
  const all = Buffer.concat(input.chunks);
  return { kind: input.kind, door: input.door, connect: input.connect, tunnel: input.tunnel, end: input.end, chunks: input.chunks.length, hex: all.subarray(0, 4096).toString('hex'), length: all.length };
}
