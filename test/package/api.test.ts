/**
 * The package as a consumer gets it: a scratch project installs it by path, imports it by name
 * (package.json exports → dist/, built by `npm run build`), runs a scenario through the API with a
 * real client, and type-checks itself and docs/api.md's examples against the shipped .d.ts.
 * `npm pack` ships dist/ and no key.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const BUILD_INFO = join(ROOT, 'dist', '.tsbuildinfo');

function newestSource(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const s = statSync(path);
    newest = Math.max(newest, s.isDirectory() ? newestSource(path) : s.mtimeMs);
  }
  return newest;
}

/** dist/ as `npm ci` (prepare) leaves it; rebuilt here only when a source is newer than the last build */
function ensureBuilt(): void {
  const built = existsSync(BUILD_INFO) ? statSync(BUILD_INFO).mtimeMs : 0;
  if (built >= Math.max(newestSource(join(ROOT, 'lab')), newestSource(join(ROOT, 'harness')))) return;
  const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, `npm run build failed:\n${r.stdout}${r.stderr}`);
}

const SCENARIO = `id: api-check
authority: { preset: generic, subject: "CN=Scratch Inspection CA, O=Scratch, C=US" }
interception: { targets: [vk.com], forging: modern, upstream: { verify: true } }
sites: [vk.com, control.example.kz]
clients: [node]
states:
  - name: installed
    trust: [rogue]
    expect: { "*": loaded }
`;

const RUN = `import { runScenario, loadScenario, tally, builtinDetectors, createAuthority, startEngine, UserError } from 'tls-interception-lab';
const scenario = await loadScenario('./scenario.yaml');
const run = await runScenario('./scenario.yaml', { detectors: builtinDetectors(), concurrency: 1 });
let refused = '';
await loadScenario('./missing.yaml').catch((err) => (refused = err instanceof UserError ? err.message : 'not a UserError'));
console.log(JSON.stringify({
  id: scenario.id,
  tally: tally(run.result.rows),
  rows: run.result.rows.map((r) => ({ site: r.site, truth: r.truth?.status, issuer: r.actual.chain?.issuer })),
  detectors: run.result.detectors.map((d) => d.name),
  refused,
  functions: [typeof createAuthority, typeof startEngine],
}));
`;

// a consumer written against the types: wrong use must fail, so the types are not \`any\`
const CHECK = `import { runScenario, createAuthority, type ScenarioRun, type Detector, type Evidence } from 'tls-interception-lab';
const detector: Detector = { name: 'mine', description: 'flags node', inspect: (e: Evidence) => ({ flagged: e.client === 'node', confidence: 1, reason: 'node' }) };
const run: ScenarioRun = await runScenario('./scenario.yaml', { detectors: [detector], runtime: 'loopback' });
const rows: number = run.result.rows.length;
const root: string = (await createAuthority('generic')).root.certPem;
// @ts-expect-error concurrency is a number
await runScenario('./scenario.yaml', { concurrency: 'two' });
export { rows, root };
`;

test('a scratch project installs the package by path, imports it by name and runs a scenario', { timeout: 240_000 }, async (t) => {
  ensureBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'tlslab-test-package-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }));
  writeFileSync(join(dir, 'scenario.yaml'), SCENARIO);
  writeFileSync(join(dir, 'run.mjs'), RUN);
  writeFileSync(join(dir, 'check.ts'), CHECK);
  // docs/api.md's examples compile against the shipped types too
  const examples = [...readFileSync(join(ROOT, 'docs/api.md'), 'utf8').matchAll(/^```ts\n([\s\S]*?)^```/gm)].map((m) => m[1]!);
  assert.ok(examples.length >= 4, `docs/api.md has ${examples.length} ts examples`);
  examples.forEach((code, i) => writeFileSync(join(dir, `api-example-${i}.ts`), `${code}\nexport {};\n`));
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: true, noEmit: true, types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')] },
      files: ['check.ts', ...examples.map((_, i) => `api-example-${i}.ts`)],
    }),
  );
  const install = spawnSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', ROOT], { cwd: dir, encoding: 'utf8' });
  assert.equal(install.status, 0, install.stderr);

  const run = spawnSync(process.execPath, ['run.mjs'], { cwd: dir, encoding: 'utf8', timeout: 180_000 });
  assert.equal(run.status, 0, run.stderr);
  const out = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as {
    id: string;
    tally: { total: number; passed: number };
    rows: { site: string; truth?: string; issuer?: string }[];
    detectors: string[];
    refused: string;
    functions: string[];
  };
  assert.equal(out.id, 'api-check');
  assert.deepEqual(out.tally, { total: 2, passed: 2, failed: 0, skipped: 0, allowed: 0 });
  const vk = out.rows.find((r) => r.site === 'vk.com')!;
  assert.equal(vk.truth, 'intercepted');
  assert.match(vk.issuer ?? '', /CN=Scratch Inspection CA/);
  assert.equal(out.rows.find((r) => r.site === 'control.example.kz')!.truth, 'clean');
  assert.ok(out.detectors.includes('chain-anchor'), out.detectors.join(', '));
  assert.match(out.refused, /missing\.yaml/);
  assert.deepEqual(out.functions, ['function', 'function']);

  const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', dir], { cwd: dir, encoding: 'utf8' });
  assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
});

test('npm pack ships the build and its types, and no key material', () => {
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const files = (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
  for (const needed of ['dist/harness/api.js', 'dist/harness/api.d.ts', 'dist/lab/clients/python/visit.py', 'bin/tlslab.js', 'scenarios/kz-2019-qaznet.yaml']) {
    assert.ok(files.includes(needed), `${needed} is shipped`);
  }
  const keys = files.filter((f) => /\.(key|keys|keylog|p12)$|(^|\/)sslkeylog|^ca\/|^runs\//.test(f));
  assert.deepEqual(keys, []);
});
