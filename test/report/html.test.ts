/**
 * report.html from recorded runs, without a browser: every cell in the grid with its own panel,
 * forged chains beside the origin's with differences marked, TTL path, box axis, strict CSP that
 * allows exactly the inline style and script, escaping of everything a run recorded, and no
 * English left in a Kazakh or Russian report.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkDetectors } from '../../harness/runner/detector-checks.ts';
import type { ScenarioRun } from '../../harness/runner/run-scenario.ts';
import { htmlReporter } from '../../harness/report/html/reporter.ts';
import type { Lang } from '../../harness/i18n/lang.ts';
import { context, fakeStream, row, runOf, storedRun } from './helpers/runs.ts';
import { dataWords, latinWordsOutside } from './helpers/english.ts';

async function report(runs: ScenarioRun[], lang: Lang = 'en', prepare?: (outDir: string) => void): Promise<string> {
  const outDir = mkdtempSync(join(tmpdir(), 'tlslab-html-test-'));
  try {
    prepare?.(outDir);
    const log: string[] = [];
    const reporter = htmlReporter(context(lang, outDir, fakeStream('out', log), fakeStream('err', log)));
    const written = await reporter.onEnd!({ runs, verdict: checkDetectors(runs.map((r) => r.result)), wallMs: 2000 });
    assert.deepEqual(written, [join(outDir, 'report.html')]);
    return readFileSync(join(outDir, 'report.html'), 'utf8');
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

const decode = (s: string) => s.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));

/** What a reader sees: text and the attributes a browser shows (titles, alt text, placeholders). */
function visibleText(html: string): string {
  const noCode = html.replace(/<script[\s\S]*?<\/script>/g, '').replace(/<style[\s\S]*?<\/style>/g, '');
  const shownAttributes = [...noCode.matchAll(/\s(?:title|alt|placeholder|aria-label|data-template)="([^"]*)"/g)].map((m) => m[1]);
  // a template's {placeholders} are filled in by the page's script
  return decode([noCode.replace(/<[^>]*>/g, ' '), ...shownAttributes].join(' ')).replace(/\{\w+\}/g, '');
}

test('the kz-2019 corpus run: every cell in the grid links to its own panel; an intercepted cell shows the forged chain against the origin', async () => {
  const run = storedRun('kz-2019-loopback');
  const html = await report([run]);
  const cells = [...html.matchAll(/<td class="cell (pass|fail|skip)"[^>]*><a href="#([^"]+)"/g)];
  assert.equal(cells.length, run.result.rows.length);
  const panels = [...html.matchAll(/<section class="panel" id="([^"]+)"/g)].map((m) => m[1]);
  assert.equal(new Set(panels).size, run.result.rows.length, 'one panel per cell, ids unique');
  assert.deepEqual(new Set(cells.map((c) => c[2])), new Set(panels), 'every grid cell opens its panel');

  const index = run.result.rows.findIndex((r) => r.truth?.status === 'intercepted' && r.client === 'curl');
  const panel = html.slice(html.indexOf(`id="s0-${index}"`), html.indexOf('</section>', html.indexOf(`id="s0-${index}"`)));
  assert.match(panel, /<div class="chain served">[\s\S]*CN=Security Certificate/);
  assert.match(panel, /<figure class="cert leaf differs">/, 'the forged leaf differs from the real one');
  assert.match(panel, /<dd class="differs"[^>]*>C=KZ, CN=Security Certificate<\/dd>/, 'its issuer is marked');
  assert.match(panel, /<figure class="cert rootNotSent[^"]*">[\s\S]*C=KZ, CN=Qaznet Trust Network/, 'the root the box did not send, named');
  assert.match(panel, /RSA 2048 e=3/, 'the 2019 key type');
  assert.match(panel, /<div class="chain origin">[\s\S]*Lab Public/);
  assert.match(panel, /<tr class="finding TP"><td>chain-anchor<\/td>/, 'the detectors\' findings with their reasons');
  assert.match(html, /<svg class="bar"/, 'the scores chart');
});

test('the page allows exactly its own inline style and script (CSP hashes), no network, and escapes what the run recorded', async () => {
  const hostile = '<script>alert("x")</script> & "quoted"';
  const html = await report([runOf([row({ state: 'installed', client: 'curl', site: 'vk.com', expected: 'loaded', pass: false, actual: { outcome: 'refused', error: 'exit-60', chain: null, detail: hostile } })])]);
  const csp = decode(/<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? '');
  assert.match(csp, /default-src 'none'/);
  const hash = (body: string) => `'sha256-${createHash('sha256').update(body).digest('base64')}'`;
  const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? '';
  const script = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
  assert.equal(script.length, 1, 'one script to run; data rides in a JSON block');
  assert.ok(csp.includes(`style-src ${hash(style)}`), csp);
  assert.ok(csp.includes(`script-src ${hash(script[0]!)}`), csp);
  assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//, 'nothing fetched from the network');
  assert.ok(!html.includes(hostile), 'the detail is escaped');
  assert.ok(html.includes('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; &#34;quoted&#34;'));
});

test('rows naming their box get a box axis; a transparent run draws its TTL path', async () => {
  const boxes = await report([
    runOf([
      row({ box: 'engine', state: 'installed', client: 'curl', site: 'vk.com', expected: 'loaded' }),
      row({ box: 'mitmproxy', state: 'installed', client: 'curl', site: 'vk.com', expected: 'loaded', pass: false }),
    ]),
  ]);
  assert.match(boxes, /<thead><tr><th>state<\/th><th>box<\/th><th>site<\/th>/);
  assert.equal([...boxes.matchAll(/<td class="cell /g)].length, 2, 'one cell per box, not one overwriting the other');
  assert.match(boxes, /<select data-filter="box">/);

  const netns = await report([storedRun('kz-2019-transparent-netns')]);
  const path = /<figure class="ttl-path">[\s\S]*?<\/figure>/.exec(netns)?.[0] ?? '';
  assert.match(path, /<g class="hop box">[\s\S]*>gw</, 'the box at its hop');
  assert.match(path, /<g class="hop origin">[\s\S]*>origin</);
  assert.equal([...path.matchAll(/<g class="hop /g)].length, 5, 'client, two routers, box, origin');
});

test('a screenshot is embedded once however many cells show it; one that is gone is named, not fatal', async () => {
  const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
  const shot = (state: string, file: string) => row({ state, client: 'chromium', site: 'vk.com', expected: 'loaded', actual: { outcome: 'loaded', error: null, chain: null, artefacts: [file] } });
  const html = await report([runOf([shot('a', 'artefacts/one.png'), shot('b', 'artefacts/same.png'), shot('c', 'artefacts/gone.png')])], 'en', (outDir) => {
    mkdirSync(join(outDir, 'artefacts'));
    writeFileSync(join(outDir, 'artefacts', 'one.png'), png);
    writeFileSync(join(outDir, 'artefacts', 'same.png'), png);
  });
  const data = JSON.parse(/<script type="application\/json" id="tlslab-shots">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '{}');
  assert.deepEqual(Object.values(data), [`data:image/png;base64,${png.toString('base64')}`]);
  assert.equal([...html.matchAll(/<img data-shot="/g)].length, 2);
  assert.match(html, /gone\.png \(not kept: ENOENT\)/);
});

for (const lang of ['kk', 'ru'] as const) {
  test(`a ${lang} report leaves no English: every Latin word is recorded data or a technical name`, async () => {
    const runs = [storedRun('kz-2019-loopback'), storedRun('kz-2019-transparent-netns')];
    const html = await report(runs, lang);
    assert.match(html, new RegExp(`<html lang="${lang}">`));
    // the command line and the language's own code are data too
    const data = dataWords([runs.map((r) => ({ result: r.result, evidence: r.evidence })), ['run', 'demo', lang]]);
    assert.deepEqual(latinWordsOutside(visibleText(html), data), []);
  });
}
