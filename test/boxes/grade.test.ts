/**
 * `tlslab grade` measures, it does not declare: the lab's engine refuses every broken origin, and
 * sslsplit (which verifies nothing upstream) launders them and grades F. The revoked origin's CRL
 * address counts what asked it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { interceptorNamed } from '../../lab/boxes/index.ts';
import type { ReportCard } from '../../lab/boxes/grade/card.ts';
import { tlslab } from '../harness/helpers/cli.ts';

const SIGNATURE_FAILURES = ['expired', 'wrong-host', 'self-signed', 'untrusted-root'] as const;

test('grade: engine refuses broken origins, sslsplit launders them (F); table and JSON agree', { timeout: 240_000 }, (t) => {
  const missing = interceptorNamed('sslsplit')?.missing();
  if (missing) return t.skip(missing);
  const dir = mkdtempSync(join(tmpdir(), 'tlslab-test-grade-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const json = join(dir, 'cards.json');
  const r = tlslab(['grade', '--box', 'engine,sslsplit', '--json', json]);
  assert.equal(r.status, 0, r.stderr);
  const cards = JSON.parse(readFileSync(json, 'utf8')) as ReportCard[];
  const engine = cards.find((c) => c.box === 'engine')!;
  const sslsplit = cards.find((c) => c.box === 'sslsplit')!;
  for (const kind of SIGNATURE_FAILURES) {
    assert.equal(engine.upstreamValidation[kind].verdict, 'refuses', `engine, ${kind}: ${engine.upstreamValidation[kind].detail}`);
    assert.equal(sslsplit.upstreamValidation[kind].verdict, 'launders', `sslsplit, ${kind}: ${sslsplit.upstreamValidation[kind].detail}`);
  }
  assert.equal(sslsplit.grade, 'F');
  assert.ok(sslsplit.reasons.some((reason) => reason.grade === 'F' && /launders an expired origin/.test(reason.reason)));
  assert.ok(sslsplit.leaves.keyReusedAcrossHosts, 'sslsplit forges every host with its one leaf key');
  assert.equal(engine.leaves.leafKeyIsCaKey, false);
  for (const card of [engine, sslsplit]) {
    assert.ok(['refuses', 'launders', 'passes-through'].includes(card.upstreamValidation.revoked.verdict));
    assert.match(card.upstreamValidation.revoked.detail, /CRL|OCSP/);
    assert.ok(card.cost.firstContactMs > 0 && card.cost.directMs > 0);
    assert.match(r.stdout, new RegExp(`^${card.box}: ${card.grade}$`, 'm'));
  }
});

test('grade: an unknown box and the external box are one-line errors', () => {
  const r = tlslab(['grade', '--box', 'engine,bluecoat']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^tlslab: --box: cannot grade bluecoat; boxes: engine, mitmproxy/);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1);
  assert.equal(tlslab(['grade', '--box', 'external']).status, 2);
});
