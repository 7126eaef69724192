import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPlugin, PluginError, type PluginOptions } from '../../lab/detectors/plugin.ts';
import { inspectAll } from '../../lab/detectors/run.ts';
import type { Evidence } from '../../lab/detectors/evidence.ts';
import type { Finding, Verdict } from '../../lab/detectors/types.ts';
import { cell, direct, intercepted, makeLab, originOf } from './helpers/cells.ts';

const EXAMPLE_EXECUTABLE = 'examples/detectors/issuer-country.py';
const EXAMPLE_MODULE = 'examples/detectors/issuer-country.mjs';

let kz: Evidence;
let clean: Evidence;
let scratch: string;
before(async () => {
  const lab = await makeLab();
  const origin = await originOf(lab.publicCa, 'vk.com');
  kz = cell({ site: 'vk.com', intercepted: true, served: await intercepted(lab.kzCa, 'kz-2019', origin, 'vk.com'), lab });
  clean = cell({ site: 'control.example.kz', intercepted: false, served: await direct(lab.publicCa, 'control.example.kz'), lab });
  scratch = mkdtempSync(join(tmpdir(), 'tlslab-plugins-'));
});
after(() => rmSync(scratch, { recursive: true, force: true }));

function script(name: string, body: string): string {
  const path = join(scratch, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

function verdict(finding: Finding): Verdict {
  assert.ok(!('skipped' in finding), `expected a verdict, got skip: ${JSON.stringify(finding)}`);
  return finding as Verdict;
}

test('the shipped executable example round-trips evidence JSON → finding JSON', async () => {
  const detector = await loadPlugin(EXAMPLE_EXECUTABLE);
  assert.equal(detector.name, 'issuer-country');
  const onKz = verdict(await detector.inspect(kz));
  assert.equal(onKz.flagged, true);
  assert.match(onKz.reason, /C=KZ.* is in KZ/);
  assert.equal(verdict(await detector.inspect(clean)).flagged, false);
  const { chainPem: _dropped, ...noChain } = clean;
  assert.deepEqual(await detector.inspect(noChain), { skipped: 'no chainPem in the evidence' });
});

test('the shipped module example agrees with the executable on the same cells', async () => {
  const asModule = await loadPlugin(EXAMPLE_MODULE);
  const asExecutable = await loadPlugin(EXAMPLE_EXECUTABLE);
  for (const evidence of [kz, clean]) {
    const a = verdict(await asModule.inspect(evidence));
    const b = verdict(await asExecutable.inspect(evidence));
    assert.equal(a.flagged, b.flagged);
  }
  const [row] = await inspectAll([asModule], [kz]);
  assert.equal(verdict(row!.findings[0]!.finding).flagged, true);
});

test('plug-ins of both kinds see neither the truth nor the box record, and a module cannot change what others read', async () => {
  const peek = script('peek.sh', `if grep -qE 'groundTruth|"engine"|"served"|"decision"|"truth"'; then echo '{"flagged":true,"confidence":1,"reason":"saw the answer"}'; else echo '{"flagged":false,"confidence":1,"reason":"blind"}'; fi`);
  assert.equal(verdict(await (await loadPlugin(peek)).inspect(kz)).reason, 'blind');
  const modulePath = join(scratch, 'peek.mjs');
  writeFileSync(modulePath, `export default { name: 'peek-module', inspect: (e) => ({ flagged: ['groundTruth', 'engine', 'truth'].some((k) => k in e), confidence: 1, reason: 'checked' }) };`);
  assert.equal(verdict(await (await loadPlugin(modulePath)).inspect(kz)).flagged, false);
  const writer = join(scratch, 'writer.mjs');
  writeFileSync(writer, `export default { name: 'writer', inspect: (e) => { e.groundTruth = { intercepted: false }; return { flagged: false, confidence: 1, reason: 'wrote' }; } };`);
  await assert.rejects(inspectAll([await loadPlugin(writer)], [kz]), /writer/);
  assert.equal('groundTruth' in kz, false);
});

async function rejection(path: string, pattern: RegExp, options: PluginOptions = {}): Promise<void> {
  const detector = await loadPlugin(path, options);
  await assert.rejects(async () => detector.inspect(kz), (err: unknown) => {
    assert.ok(err instanceof PluginError, String(err));
    assert.match(err.message, /detector plug-in "/);
    assert.ok(err.message.includes(detector.name), `message names the plug-in: ${err.message}`);
    assert.match(err.message, pattern);
    return true;
  });
}

test('output that is not JSON is an error naming the plug-in', async () => {
  await rejection(script('chatty.sh', 'cat >/dev/null; echo looks intercepted to me'), /stdout is not JSON/);
});

test('JSON that is not a finding is an error naming the plug-in', async () => {
  await rejection(script('wrong-shape.sh', `cat >/dev/null; echo '{"flagged":"yes","confidence":2}'`), /finding must be/);
});

test('a non-zero exit is an error carrying the stderr tail', async () => {
  await rejection(script('crashes.sh', 'cat >/dev/null; echo "boom: no openssl" >&2; exit 3'), /exited with 3: boom: no openssl/);
});

test('a plug-in that hangs is killed at the timeout', async () => {
  const started = Date.now();
  await rejection(script('hangs.sh', 'sleep 30'), /timed out after 300 ms/, { timeoutMs: 300 });
  assert.ok(Date.now() - started < 5000);
});

test('a module whose default export is not a Detector is refused at load time', async () => {
  const path = join(scratch, 'not-a-detector.mjs');
  writeFileSync(path, 'export default { name: "Bad Name", inspect: 42 };');
  await assert.rejects(loadPlugin(path), (err: unknown) => err instanceof PluginError && /not a Detector/.test(err.message));
});

test('a path that is neither a module nor executable is refused at load time', async () => {
  const path = join(scratch, 'plain.txt');
  writeFileSync(path, 'hello');
  await assert.rejects(loadPlugin(path), /not found or not executable/);
});
