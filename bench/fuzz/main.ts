/**
 * `npm run fuzz [-- --inputs N] [--seed S] [--json FILE] [--sweep-open] [--restart-on-crash] [--target SCRIPT]`:
 * structured malformed input against both doors of the engine (in its own process), then the
 * checks of issue 12. Default 100,000 random inputs plus the truncation sweep; exits 1 on any
 * failure and prints the seed, so a failing run can be replayed exactly.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runCampaign } from './campaign.ts';

const { values } = parseArgs({
  options: {
    inputs: { type: 'string', default: '100000' },
    seed: { type: 'string' },
    json: { type: 'string' },
    'sweep-open': { type: 'boolean', default: false },
    target: { type: 'string' },
    'restart-on-crash': { type: 'boolean', default: false },
    concurrency: { type: 'string' },
  },
});
const inputs = Number(values.inputs);
const seed = values.seed !== undefined ? Number(values.seed) : Date.now() % 2 ** 31;
if (!Number.isInteger(inputs) || inputs < 1 || !Number.isInteger(seed)) {
  process.stderr.write('fuzz: --inputs and --seed must be whole numbers\n');
  process.exit(2);
}
process.stderr.write(`fuzz: ${inputs} inputs, seed ${seed}\n`);
const report = await runCampaign({
  inputs,
  seed,
  sweepWithoutEnd: values['sweep-open'],
  restartOnCrash: values['restart-on-crash'],
  ...(values.target ? { targetScript: values.target } : {}),
  ...(values.concurrency ? { concurrency: Number(values.concurrency) } : {}),
  onProgress: (line) => process.stderr.write(`fuzz: ${line}\n`),
});
if (values.json) writeFileSync(values.json, JSON.stringify(report, null, 2) + '\n');
const { byKind, outcomes, engineBugs, crashes } = report;
process.stdout.write(
  [
    `inputs ${report.inputs} (sni ${report.byDoor.sni}, connect ${report.byDoor.connect}) in ${(report.durationMs / 1000).toFixed(1)} s, seed ${report.seed}`,
    `by kind: ${Object.entries(byKind).map(([k, n]) => `${k} ${n}`).join(', ')}`,
    `crashes: ${crashes.length}${crashes.length > 0 ? ` (${[...new Set(crashes.map((c) => c.exit))].join(', ')})` : ''}; engine bugs: ${engineBugs.length}; held open: ${report.heldOpen}`,
    `fds: ${report.fds.baseline} before, ${report.fds.after} after${report.fds.extra ? ` (new: ${report.fds.extra.join(', ')})` : ''}; RSS ${report.rssKiB.baseline} → ${report.rssKiB.after} KiB (${report.rssKiB.growthPercent} %)`,
    `valid request after: sni ${report.validAfter.sni}, connect ${report.validAfter.connect}`,
    `outcomes: ${Object.entries(outcomes).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ')}`,
    ...engineBugs.slice(0, 3).map((b) => `engine bug: ${b.stack ?? b.message}`),
    ...crashes.slice(0, 1).flatMap((c) => [`first crash: ${c.exit}\n${c.stderr.trim()}`, `in flight then (${c.suspects.length}): ${JSON.stringify(c.suspects).slice(0, 3000)}`]),
    report.passed ? 'PASS' : `FAIL: ${report.failures.join('; ')}`,
  ].join('\n') + '\n',
);
process.exit(report.passed ? 0 : 1);
