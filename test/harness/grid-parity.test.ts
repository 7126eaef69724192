/** compareGrids: row for row, verdict, error, issuer and pass; what runtimes may differ in is ignored. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareGrids } from '../../harness/runner/grid-parity.ts';
import type { ResultRow, ScenarioResult } from '../../harness/runner/results.ts';

function row(site: string, over: Partial<ResultRow['actual']> & { pass?: boolean; skipped?: string } = {}): ResultRow {
  const { pass = true, skipped, ...actual } = over;
  return {
    state: 's', client: 'curl', site, expected: 'loaded', pass,
    actual: { outcome: 'loaded', error: null, chain: { leafSubject: `CN=${site}`, issuer: 'CN=Lab Public', leafSpkiSha256: 'x', rootSpkiSha256: 'y' }, durationMs: 10, ...actual },
    ...(skipped !== undefined && { skipped }),
  };
}

function grid(runtime: string, rows: ResultRow[]): ScenarioResult {
  return { scenario: 'sc', runtime, rows, detectors: [] };
}

test('equal grids: timings, details and skip reasons may differ', () => {
  const a = grid('loopback', [row('a.example', { durationMs: 5, detail: 'fast' }), row('b.example', { skipped: 'not on loopback' })]);
  const b = grid('containers', [row('a.example', { durationMs: 900, detail: 'slow' }), row('b.example', { skipped: 'not in containers' })]);
  assert.deepEqual(compareGrids(a, b), []);
});

test('each difference is named: verdict, error, issuer, pass, and rows that ran on one side only', () => {
  const a = grid('loopback', [row('a.example'), row('b.example'), row('c.example'), row('d.example')]);
  const b = grid('containers', [
    row('a.example', { outcome: 'refused', error: 'exit-60', pass: false }),
    row('b.example', { chain: { leafSubject: 'CN=b.example', issuer: 'CN=Security Certificate', leafSpkiSha256: 'x', rootSpkiSha256: null } }),
    row('c.example', { skipped: 'no route' }),
  ]);
  assert.deepEqual(
    compareGrids(a, b).map((d) => `${d.cell} ${d.field} ${d.a}|${d.b}`),
    [
      's/curl@a.example outcome loaded|refused',
      's/curl@a.example error -|exit-60',
      's/curl@a.example pass true|false',
      's/curl@b.example issuer CN=Lab Public|CN=Security Certificate',
      's/curl@c.example ran ran|skipped: no route',
      's/curl@d.example ran ran|absent',
    ],
  );
});

test("a hop is the topology's: the probe's hop-3 on netns, hop-2 on containers and no hop on loopback agree, other words do not", () => {
  const probe = (error: string) => row('vk.com', { outcome: 'flagged', error });
  assert.deepEqual(compareGrids(grid('netns', [probe('intercepted:hop-3')]), grid('containers', [probe('intercepted:hop-2')])), []);
  assert.deepEqual(compareGrids(grid('loopback', [probe('intercepted')]), grid('containers', [probe('intercepted:hop-2')])), []);
  assert.deepEqual(
    compareGrids(grid('netns', [probe('intercepted:hop-3')]), grid('containers', [probe('inconclusive')])).map((d) => d.field),
    ['error'],
  );
});
