import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderTable } from '../../harness/report/table.ts';
import { renderJunit } from '../../harness/report/junit.ts';
import { renderTap } from '../../harness/report/tap.ts';
import { renderDetectorScores } from '../../harness/report/detectors.ts';
import { renderCard } from '../../harness/report/box-cards.ts';
import { boxCardsMarkup } from '../../harness/report/html/box-cards.ts';
import { toText } from '../../harness/report/html/markup.ts';
import type { ReportCard } from '../../lab/boxes/grade/index.ts';
import type { ScenarioRun } from '../../harness/runner/run-scenario.ts';
import type { ResultRow } from '../../harness/runner/results.ts';
import { checkDetectors } from '../../harness/runner/detector-checks.ts';
import type { DetectorScore } from '../../lab/detectors/index.ts';
import { translator } from '../../harness/i18n/translate.ts';

function row(partial: Partial<ResultRow> & Pick<ResultRow, 'state' | 'client' | 'site' | 'expected'>): ResultRow {
  return { actual: { outcome: 'loaded', error: null, chain: null }, pass: true, ...partial };
}

const run: ScenarioRun = {
  wallMs: 1234,
  evidence: [],
  records: { scenario: 'demo', runtime: 'loopback', cells: [], strays: [] },
  result: {
    scenario: 'demo',
    runtime: 'loopback',
    detectors: [],
    rows: [
      row({ state: 'not-installed', client: 'curl', site: 'vk.com', expected: 'exit-60', actual: { outcome: 'refused', error: 'exit-60', chain: null } }),
      row({ state: 'not-installed', client: 'wget', site: 'vk.com', expected: 'exit-5', pass: false }),
      row({ state: 'not-installed', client: 'java', site: 'vk.com', expected: 'loaded', actual: { outcome: 'skipped', error: null, chain: null }, pass: false, skipped: 'java is not installed (apt-get install openjdk-17-jre-headless)' }),
      row({ state: 'installed', client: 'curl', site: 'vk.com', expected: 'loaded' }),
      row({ state: 'installed', client: 'wget', site: 'vk.com', expected: 'exit-5', allowed: 'wget <1.21 & "quoted"' }),
      row({ state: 'installed', client: 'java', site: 'vk.com', expected: 'loaded', actual: { outcome: 'skipped', error: null, chain: null }, pass: false, skipped: 'java is not installed (apt-get install openjdk-17-jre-headless)' }),
    ],
  },
};

test('table: one column per client, ✓/✗/– cells with the short error, no colour when asked', () => {
  const text = renderTable(run, { color: false });
  const lines = text.split('\n');
  assert.match(lines[1] ?? '', /^state\s+site\s+curl\s+wget\s+java$/);
  assert.match(text, /not-installed\s+vk\.com\s+✓ exit-60\s+✗ loaded≠exit-5\s+– skipped/);
  assert.match(text, /installed\s+vk\.com\s+✓ loaded\s+✓ loaded\*\s+– skipped/);
  assert.match(text, /6 rows: 3 passed \(1 allowed\), 1 failed, 2 skipped/);
  assert.match(text, /✗ not-installed wget@vk\.com: expected exit-5, got loaded/);
  // one line per distinct skip reason, not one per row
  assert.equal(text.split('java is not installed').length - 1, 1);
  assert.doesNotMatch(text, /\x1b\[/);
  assert.match(renderTable(run, { color: true }), /\x1b\[31m✗/);
});

test('table: a grid wider than the width is split into blocks of clients, each repeating state and site', () => {
  const text = renderTable(run, { color: false, width: 50 });
  const headers = text.split('\n').filter((l) => l.startsWith('state'));
  assert.deepEqual(headers.map((h) => h.split(/\s+/).slice(2)), [['curl', 'wget'], ['java']]);
  assert.ok(text.split('\n').filter((l) => /^(state|-)/.test(l)).every((l) => [...l].length <= 50), text);
  assert.equal(text.match(/rows: /g)?.length, 1, 'one summary for the whole grid');
  assert.match(text, /not-installed\s+vk\.com\s+– skipped/, 'the second block still names state and site');
});

test('JUnit: well-formed XML-ish, counts and a failure/skipped element per row', () => {
  const xml = renderJunit([run]);
  assert.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites /);
  assert.match(xml, /<testsuite name="demo" tests="6" failures="1" errors="0" skipped="2" time="1.234">/);
  assert.equal((xml.match(/<testcase /g) ?? []).length, 6);
  assert.equal((xml.match(/<failure /g) ?? []).length, 1);
  assert.equal((xml.match(/<skipped /g) ?? []).length, 2);
  assert.match(xml, /allowed: wget &lt;1\.21 &amp; &quot;quoted&quot;/);
  // every opened element is closed, in order
  const stack: string[] = [];
  for (const [, closing, name, selfClosing] of xml.matchAll(/<(\/?)([a-z-]+)[^>]*?(\/?)>/g)) {
    if (closing) assert.equal(stack.pop(), name);
    else if (!selfClosing) stack.push(name!);
  }
  assert.deepEqual(stack, []);
  assert.doesNotMatch(xml.replace(/&(amp|lt|gt|quot|apos);/g, ''), /&/);
});

test('TAP: version, plan line, ok/not ok per row, SKIP with its reason', () => {
  const tap = renderTap([run]);
  const lines = tap.trimEnd().split('\n');
  assert.equal(lines[0], 'TAP version 14');
  assert.equal(lines[1], '1..6');
  assert.equal(lines.filter((l) => /^ok \d+ /.test(l)).length, 5);
  assert.equal(lines.filter((l) => /^not ok \d+ /.test(l)).length, 1);
  assert.ok(lines.includes('not ok 2 - demo not-installed wget@vk.com'));
  assert.match(tap, /^ok 3 - demo not-installed java@vk\.com # SKIP java is not installed/m);
});

function score(name: string, cells: DetectorScore['cells']): DetectorScore {
  const count = (truth: boolean, flagged: boolean) => cells.filter((c) => c.truth === truth && c.flagged === flagged).length;
  return { name, tp: count(true, true), fp: count(false, true), tn: count(false, false), fn: count(true, false), skipped: 0, unreachable: 0, precision: null, recall: null, cells };
}

const flaggedFacebook = { state: 'installed', client: 'curl', site: 'www.facebook.com', truth: true, flagged: true, reason: 'chain ends at Qaznet' };
const clearedFacebook = { ...flaggedFacebook, flagged: false, reason: 'broken on purpose' };
const baselineRun = { ...run.result, detectors: [score('chain-anchor', [flaggedFacebook]), score('tells', [flaggedFacebook])] };

test('a detector regression is red in every reporter: JUnit failure naming the cell, TAP not ok, the table closing line', () => {
  const now = { ...run, result: { ...run.result, rows: run.result.rows.filter((r) => r.pass || r.skipped !== undefined), detectors: [score('chain-anchor', [clearedFacebook]), score('tells', [flaggedFacebook])] } };
  const verdict = checkDetectors([now.result], { baseline: { source: 'base/', scenarios: new Map([['demo', baselineRun]]) } });
  assert.equal(verdict.failed, true);
  const xml = renderJunit([now], verdict);
  assert.match(xml, /<testsuites name="tlslab" tests="\d+" failures="1"/);
  assert.match(xml, /<testsuite name="demo detectors" tests="2" failures="1"/);
  assert.match(xml, /<testcase classname="demo\.detectors" name="chain-anchor">\s*<failure message="1 lost true positive against the baseline[^"]*" type="detector-regression">[^<]*installed \/ curl \/ www\.facebook\.com/);
  const tap = renderTap([now], verdict);
  assert.match(tap, /^not ok \d+ - demo detector chain-anchor: 1 lost true positive/m);
  assert.match(tap, /lostTruePositives:\n\s+- "installed \/ curl \/ www\.facebook\.com: broken on purpose"/);
  assert.match(tap, /^ok \d+ - demo detector tells: TP 1/m);
  const plan = Number(/^1\.\.(\d+)$/m.exec(tap)?.[1]);
  assert.equal(plan, (tap.match(/^(not )?ok \d+/gm) ?? []).length, 'the plan counts the detector test points');
  const table = renderTable(now, { color: false, detectorChecks: verdict.checks });
  assert.match(table, /rows: .*; detectors: 1 of 2 checks failed \(chain-anchor\)/);
});

test('against a baseline, a dropped detector or a scenario the baseline lacks fails unless allowed', () => {
  const onlyTells = { ...run.result, detectors: [score('tells', [flaggedFacebook])] };
  const dropped = checkDetectors([onlyTells], { baseline: { source: 'base/', scenarios: new Map([['demo', baselineRun]]) } });
  assert.equal(dropped.failed, true);
  assert.deepEqual(dropped.checks.filter((c) => c.failed).map((c) => [c.detector, c.summary]), [['chain-anchor', 'scored in the baseline but did not run now']]);
  const otherScenario = checkDetectors([baselineRun], { baseline: { source: 'other/', scenarios: new Map([['kz-2024', { ...baselineRun, scenario: 'kz-2024' }]]) } });
  assert.equal(otherScenario.failed, true);
  assert.deepEqual(otherScenario.problems, ['the baseline has no results for scenario demo: nothing of it was compared', 'the baseline has results for scenario kz-2024, which did not run now']);
  assert.match(renderJunit([run], otherScenario), /<testsuite name="baseline" tests="2" failures="2"/);
  const allowed = checkDetectors([onlyTells], { baseline: { source: 'base/', scenarios: new Map([['demo', baselineRun]]) }, allowMissing: true });
  assert.equal(allowed.failed, false);
});

const boxedRun: ScenarioRun = {
  ...run,
  result: {
    ...run.result,
    rows: [
      row({ box: 'engine', state: 'installed', client: 'curl', site: 'vk.com', expected: 'loaded' }),
      row({ box: 'mitmproxy', state: 'installed', client: 'curl', site: 'vk.com', expected: 'loaded', pass: false, actual: { outcome: 'refused', error: 'exit-60', chain: null } }),
    ],
  },
};

test('rows of several boxes on one grid: a box column in the table, each box its own cell and name in JUnit and TAP', () => {
  const text = renderTable(boxedRun, { color: false });
  assert.match(text, /^state\s+box\s+site\s+curl$/m);
  assert.match(text, /^installed\s+engine\s+vk\.com\s+✓ loaded$/m);
  assert.match(text, /^\s+mitmproxy\s+vk\.com\s+✗ exit-60≠loaded$/m);
  assert.match(text, /✗ installed curl@vk\.com \[mitmproxy\]: expected loaded, got exit-60/);
  assert.match(renderJunit([boxedRun]), /name="vk\.com \[mitmproxy\]">\s*<failure /);
  assert.match(renderTap([boxedRun]), /^not ok 2 - demo installed curl@vk\.com \[mitmproxy\]$/m);
});

test('the table in Kazakh and Russian: headers, the skip mark and the closing line; JUnit and TAP stay English', () => {
  const kk = renderTable(run, { color: false, tr: translator('kk') });
  assert.match(kk.split('\n')[1] ?? '', /^күй\s+сайт\s+curl\s+wget\s+java$/);
  assert.match(kk, /– өткізілді/);
  assert.match(kk, /жол: 6; өтті: 3 \(рұқсат етілгені: 1\), сәтсіз: 1, өткізілді: 2 — 1,2 с/);
  assert.match(kk, /✗ not-installed wget@vk\.com: күтілгені exit-5, нақтысы loaded/);
  const ru = renderTable(run, { color: false, tr: translator('ru') });
  assert.match(ru, /строк: 6; успешно: 3 \(допущено: 1\), с ошибкой: 1, пропущено: 2 — 1,2 с/);
  assert.match(renderTap([run]), /^not ok 2 - demo not-installed wget@vk\.com$/m);
});

test('detectors scored per box print as a detector × box matrix: TP/FP/TN/FN and recall per box', () => {
  const missedByTells = { ...flaggedFacebook, flagged: false, reason: 'no tell of this box' };
  const scores = [
    { ...score('chain-anchor', [flaggedFacebook]), recall: 1, box: 'engine' },
    { ...score('chain-anchor', [flaggedFacebook]), recall: 1, box: 'sslsplit' },
    { ...score('tells', [flaggedFacebook]), recall: 1, box: 'engine' },
    { ...score('tells', [missedByTells]), recall: 0, box: 'sslsplit' },
  ];
  const text = renderDetectorScores('demo', scores);
  assert.match(text, /^detector\s+engine\s+sslsplit$/m);
  assert.match(text, /^chain-anchor\s+1\/0\/0\/0 1\.00\s+1\/0\/0\/0 1\.00$/m);
  assert.match(text, /^tells\s+1\/0\/0\/0 1\.00\s+0\/0\/0\/1 0\.00$/m);
  assert.equal(text.match(/^tells/gm)?.length, 1, 'one line per detector');
  assert.match(renderDetectorScores('demo', scores, translator('ru')), /TP\/FP\/TN\/FN, затем полнота/);
});

test('box report cards: the table prints each card with every point lost; the HTML section marks laundering', () => {
  const card: ReportCard = {
    box: 'sslsplit',
    grade: 'F',
    reasons: [{ grade: 'F', reason: 'launders an expired origin: a client that trusts its CA is shown a valid-looking chain for a broken server' }],
    upstreamValidation: {
      expired: { verdict: 'launders', detail: 'forged chain, HTTP 200' },
      'wrong-host': { verdict: 'refuses', detail: 'HTTP 502' },
      'self-signed': { verdict: 'refuses', detail: 'HTTP 502' },
      'untrusted-root': { verdict: 'refuses', detail: 'HTTP 502' },
      revoked: { verdict: 'launders', detail: 'forged chain; it never asked the CRL or OCSP address' },
    },
    upstreamTls: { grade: 'C', offered: 'TLSv1.3', decidedBy: 'TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384', mirrorsClient: false, versionUsed: 'TLSv1.3' },
    clientLeg: { version: 'TLSv1.3' },
    leaves: { keyReusedAcrossHosts: true, leafKeyIsCaKey: false, lifetimeDays: 365, dropped: ['AIA'], validityShiftHours: 0 },
    cost: { firstContactMs: 78, directMs: 60, ratio: 1.3 },
    limitations: ['sslsplit does not verify upstream certificates: a broken origin is laundered'],
  };
  const text = renderCard(card) + renderCard({ box: 'squid', skipped: 'squid with ssl-bump is not installed (apt-get install squid-openssl)' });
  assert.match(text, /^sslsplit: F$/m);
  assert.match(text, /broken origins\s+expired launders, wrong-host refuses/);
  assert.match(text, /one key for every host/);
  assert.match(text, /^ {2}F {2}launders an expired origin/m);
  assert.match(text, /^ {2}! {2}sslsplit does not verify/m);
  assert.match(text, /^squid: skipped — squid with ssl-bump is not installed \(apt-get install squid-openssl\)$/m);
  const markup = toText(boxCardsMarkup([card], translator('ru')));
  assert.match(markup, /<h2>Перехватчики: оценки/);
  assert.match(markup, /<td class="grade grade-F">F<\/td>/);
  assert.match(markup, /<li class="fail" title="forged chain, HTTP 200">expired: launders<\/li>/);
});
