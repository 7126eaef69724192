/**
 * The CLI never destroys what it did not make and finds bad output dirs before it starts: `ca
 * create` refuses a non-empty directory unless --force, `run --out` is created and checked before
 * the lab starts, and each such mistake is one line on stderr with exit 2.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../bin/tlslab.js', import.meta.url));

function tlslab(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
  });
}

function assertOneLineUserError(r: { code: number | null; stderr: string }, pattern: RegExp): void {
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, `one line, no stack trace: ${r.stderr}`);
  assert.match(r.stderr, /^tlslab: /);
  assert.match(r.stderr, pattern);
}

test('ca create refuses a directory that is not empty (exit 2, names --force); --force replaces the authority whole', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-safety-ca-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ca = join(dir, 'ca');
  const file = join(dir, 'a-file');
  writeFileSync(file, 'not a directory');
  const first = await tlslab(['ca', 'create', '--preset', 'qaznet-2019', '--out', ca]);
  assert.equal(first.code, 0, first.stderr);
  const key = readFileSync(join(ca, 'ca.key'), 'utf8');
  assert.ok(existsSync(join(ca, 'chain.pem')), 'the 2019 preset has an issuing CA');

  const [again, onFile, forced] = await Promise.all([
    tlslab(['ca', 'create', '--preset', 'qaznet-2019', '--out', ca]),
    tlslab(['ca', 'create', '--preset', 'qaznet-2019', '--out', file]),
    // a generic authority has no intermediates: --force must not leave the old chain behind
    tlslab(['ca', 'create', '--preset', 'generic', '--out', join(dir, 'other')]).then(async () => {
      writeFileSync(join(dir, 'other', 'notes.txt'), 'mine');
      return tlslab(['ca', 'create', '--preset', 'qaznet-2019', '--out', join(dir, 'other'), '--force']);
    }),
  ]);
  assertOneLineUserError(again, /--out .*ca is not empty .*--force/);
  assert.equal(readFileSync(join(ca, 'ca.key'), 'utf8'), key, 'the existing key is untouched');
  assertOneLineUserError(onFile, /exists and is not a directory/);
  assert.equal(forced.code, 0, forced.stderr);
  assert.deepEqual(readdirSync(join(dir, 'other')).sort(), ['authority.json', 'ca.key', 'ca.pem', 'chain.pem', 'issuing.key', 'notes.txt']);
  assert.match(readFileSync(join(dir, 'other', 'authority.json'), 'utf8'), /qaznet-2019/);

  const replaced = await tlslab(['ca', 'create', '--preset', 'generic', '--out', join(dir, 'other'), '--force']);
  assert.equal(replaced.code, 0, replaced.stderr);
  assert.ok(!existsSync(join(dir, 'other', 'chain.pem')) && !existsSync(join(dir, 'other', 'issuing.key')), 'no file of the replaced authority is left to be mixed in');
  assert.ok(existsSync(join(dir, 'other', 'notes.txt')), 'files that are not an authority\'s stay');
});

test('run --out that cannot be a report dir fails at once (exit 2, one line), before the lab starts', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-safety-out-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'results.json');
  writeFileSync(file, '{}');
  const registry = join(dir, 'registry');
  const env = { TLSLAB_REGISTRY_DIR: registry };
  const [onFile, underFile, unwritable] = await Promise.all([
    tlslab(['run', 'kz-2019-qaznet', '--clients', 'curl', '--out', file], env),
    tlslab(['run', 'kz-2019-qaznet', '--clients', 'curl', '--out', join(file, 'sub')], env),
    // /proc takes no new directories, even from root
    tlslab(['run', 'kz-2019-qaznet', '--clients', 'curl', '--out', '/proc/tlslab-cannot-be-here'], env),
  ]);
  assertOneLineUserError(onFile, /--out .*results\.json: exists and is not a directory/);
  assertOneLineUserError(underFile, /--out .*sub: cannot use it \(ENOTDIR\)/);
  assertOneLineUserError(unwritable, /--out \/proc\/tlslab-cannot-be-here: cannot create it/);
  assert.ok(!existsSync(registry), 'nothing was started, so nothing was recorded');
  assert.deepEqual(readdirSync(dir).sort(), ['results.json']);
});

test('run --out is created before the run, and a dir it made that stayed empty goes again', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-safety-made-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'kept'));
  const env = { TLSLAB_REGISTRY_DIR: join(dir, 'registry') };
  const [written, empty] = await Promise.all([
    tlslab(['run', 'kz-2019-qaznet', '--clients', 'curl', '--states', 'not-installed', '--reporter', 'json', '--detectors', 'none', '--out', join(dir, 'new', 'report')], env),
    // no file reporter on loopback: nothing is written, so the dirs made for it go
    tlslab(['run', 'kz-2019-qaznet', '--clients', 'curl', '--states', 'not-installed', '--reporter', 'table', '--detectors', 'none', '--out', join(dir, 'unused', 'report')], env),
  ]);
  assert.equal(written.code, 0, written.stderr);
  assert.ok(existsSync(join(dir, 'new', 'report', 'results.json')));
  assert.equal(empty.code, 0, empty.stderr);
  assert.ok(!existsSync(join(dir, 'unused')));
});

test('gc: a bad prefix is a one-line user error', { timeout: 30_000 }, async () => {
  assertOneLineUserError(await tlslab(['gc', '--prefix', '*']), /--prefix: refusing an over-broad gc prefix/);
});
