/** The CLI end to end: exit codes 0/1/2, the files it writes, list and doctor. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeScenario, tlslab } from './helpers/cli.ts';


function withDir(body: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'tlslab-cli-test-'));
  try {
    body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const scenario = (expectControl: string) => nodeScenario('cli-check', expectControl);

test('a grid that matches exits 0 and writes results.json, junit.xml and results.tap', () => {
  withDir((dir) => {
    writeFileSync(join(dir, 's.yaml'), scenario('loaded'));
    const out = join(dir, 'out');
    const r = tlslab(['run', join(dir, 's.yaml'), '--out', out]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /installed\s+vk\.com\s+✓ loaded/);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    assert.deepEqual(Object.keys(results), ['scenario', 'runtime', 'rows', 'detectors']);
    assert.equal(results.scenario, 'cli-check');
    assert.equal(results.runtime, 'loopback');
    const row = results.rows.find((x: { site: string }) => x.site === 'vk.com');
    // the contract's fields first, then what the record adds (results only grow by optional fields)
    assert.deepEqual(Object.keys(row), ['state', 'client', 'site', 'expected', 'actual', 'pass', 'truth', 'connections']);
    assert.equal(row.actual.outcome, 'loaded');
    assert.match(row.actual.chain.issuer, /Security Certificate/, 'the forged chain was seen, not the origin');
    assert.equal(row.truth.status, 'intercepted');
    assert.equal(typeof row.actual.durationMs, 'number', 'the whole Observation is kept');
    for (const file of ['junit.xml', 'results.tap', 'evidence.json', 'records.json']) assert.ok(existsSync(join(out, file)), file);
  });
});

test('a deliberately wrong expectation makes the run exit 1 and shows ✗ actual≠expected', () => {
  withDir((dir) => {
    writeFileSync(join(dir, 's.yaml'), scenario('exit-60'));
    const r = tlslab(['run', join(dir, 's.yaml'), '--reporter', 'table']);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /control\.example\.kz\s+✗ loaded≠exit-60/);
  });
});

test('a malformed scenario exits 2 with file, line, YAML path and message, and no stack trace', () => {
  withDir((dir) => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, scenario('loaded').replace('clients: [node]', 'clients: [node, chrome]'));
    const r = tlslab(['run', file]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:5: clients\\[1\\]: unknown client "chrome"; valid clients: .*curl`));
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });
});

test('unknown --clients names are a usage error listing the valid ones', () => {
  const r = tlslab(['run', 'baseline', '--clients', 'curl,lynx']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--clients: unknown client lynx; the selected scenarios have: curl, wget/);
});

test('list shows scenarios with descriptions and clients with availability', () => {
  const r = tlslab(['list']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /kz-2019-qaznet\s+\S/);
  assert.match(r.stdout, /baseline\s+No interception/);
  assert.match(r.stdout, /^\s+node\s+available\s+\S/m);
});

test('doctor reports tools with their Debian packages, root, netns and podman', () => {
  const r = tlslab(['doctor']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^user: /m);
  assert.match(r.stdout, /^\s+gnutls-cli\s+(ok|MISSING\s+apt-get install gnutls-bin)/m);
  assert.match(r.stdout, /^\s+netns\s+/m);
  assert.match(r.stdout, /^\s+podman\s+/m);
});
