/**
 * Stored runs (test/fixtures/runs, refreshed by scripts/refresh-detector-corpus.sh) re-scored
 * offline by `tlslab detect` against themselves: the built-in detectors must still score every
 * cell as they did when the run was recorded. No lab starts; a regression here is a detector's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tlslab } from '../harness/helpers/cli.ts';

const CORPUS = 'test/fixtures/runs';

for (const run of readdirSync(CORPUS)) {
  test(`stored run ${run}: tlslab detect gives the recorded scores, no regression`, (t) => {
    const out = mkdtempSync(join(tmpdir(), 'tlslab-corpus-'));
    t.after(() => rmSync(out, { recursive: true, force: true }));
    const r = tlslab(['detect', join(CORPUS, run), '--baseline', join(CORPUS, run), '--reporter', 'json,junit', '--out', out]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const recorded = JSON.parse(readFileSync(join(CORPUS, run, 'results.json'), 'utf8')) as { detectors: unknown[] };
    const now = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { detectors: unknown[]; baseline: { passed: boolean } };
    assert.deepEqual(now.detectors, recorded.detectors);
    assert.equal(now.baseline.passed, true);
    assert.match(readFileSync(join(out, 'junit.xml'), 'utf8'), /<testsuites name="tlslab" tests="\d+" failures="0"/);
  });
}
