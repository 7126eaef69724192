/**
 * The report as people see it: a real kz-2019 run with both real browsers (one state, to stay
 * lean), its report.html opened from disk in real Chromium — no console error, every cell in the
 * grid, an intercepted cell's panel with the forged chain drawn and the browser's own screenshot.
 * The run and a screenshot of the report are kept in runs/report-test-kz-2019/ to look at
 * (`npx tlslab show-report runs/report-test-kz-2019`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { findChromium } from '../../lab/clients/chromium-launch.ts';
import type { ResultRow } from '../../harness/runner/results.ts';

const OUT = resolve('runs', 'report-test-kz-2019');
const SIZE_TARGET = 5 * 1024 * 1024;

test('kz-2019, chromium and firefox: report.html loads in real Chromium with no console error, every cell, and an intercepted cell shows its forged chain and screenshot', async (t) => {
  const executable = findChromium();
  if (!executable || !existsSync('/usr/bin/firefox-esr')) return t.skip('needs Debian chromium and firefox-esr (npm run setup)');
  rmSync(OUT, { recursive: true, force: true });
  const run = spawnSync(process.execPath, ['bin/tlslab.js', 'run', 'kz-2019-qaznet', '--clients', 'chromium,firefox', '--states', 'not-installed', '--lang', 'kk', '--out', OUT], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout: 240_000,
  });
  assert.equal(run.status, 0, run.stdout + run.stderr);
  // progress in a pipe: the scenario line, then one plain line per (state, client) unit
  const units = run.stderr.split('\n').filter((l) => /^\[ ?\d+\/10\] /.test(l));
  assert.equal(units.length, 2, run.stderr);
  assert.doesNotMatch(run.stderr, /[\r\x1b]/);

  const rows = JSON.parse(readFileSync(join(OUT, 'results.json'), 'utf8')).rows as ResultRow[];
  const file = join(OUT, 'report.html');
  const size = statSync(file).size;
  t.diagnostic(`report.html: ${(size / 1024).toFixed(0)} KiB for ${rows.length} cells`);
  assert.ok(size <= SIZE_TARGET, `${size} bytes`);

  const profile = mkdtempSync(join(tmpdir(), 'tlslab-report-browser-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: executable,
    headless: true,
    viewport: { width: 1400, height: 1000 },
    args: ['--disable-gpu', '--no-first-run', ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const problems: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
    page.on('pageerror', (e) => problems.push(`page: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request: ${r.url()}`));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load', timeout: 30_000 });
    assert.equal(await page.locator('html').getAttribute('lang'), 'kk');

    const cells = await page.locator('td.cell').evaluateAll((tds) => tds.map((td) => `${td.closest('tr')!.getAttribute('data-state')} ${td.getAttribute('data-client')} ${td.closest('tr')!.querySelector('.site')!.textContent}`));
    assert.deepEqual(cells.sort(), rows.map((r) => `${r.state} ${r.client} ${r.site}`).sort());

    const index = rows.findIndex((r) => r.client === 'chromium' && r.truth?.status === 'intercepted' && r.actual.artefacts?.length);
    assert.ok(index >= 0, 'an intercepted chromium cell with a screenshot');
    await page.locator(`td.cell a[href="#s0-${index}"]`).click();
    const panel = page.locator(`#s0-${index}`);
    await panel.waitFor({ state: 'visible', timeout: 30_000 });
    const leaf = panel.locator('.chain.served figure.cert.leaf');
    assert.match(await leaf.getAttribute('class') ?? '', /differs/, 'the forged leaf differs from the origin\'s');
    assert.match(await panel.locator('.chain.served').innerText(), /C=KZ, CN=Security Certificate[\s\S]*C=KZ, CN=Qaznet Trust Network/);
    const shot = panel.locator('img[data-shot]').first();
    await page.waitForFunction((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0, await shot.elementHandle(), { timeout: 30_000 });
    assert.ok((await shot.evaluate((img: HTMLImageElement) => img.naturalWidth)) >= 800, 'the browser\'s own screenshot, full size');

    await page.screenshot({ path: join(OUT, 'report-panel.png') });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(OUT, 'report-top.png') });
    t.diagnostic(`screenshots of the report: ${join(OUT, 'report-top.png')}, ${join(OUT, 'report-panel.png')}`);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
});
