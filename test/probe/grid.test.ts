/**
 * `tlslab probe` proven against the lab's replays, as a client of the grid (lab/clients/tlslab-probe.ts):
 * on loopback kz-2019-qaznet, kz-2020-isca and kz-2024 in every trust state, and baseline, with the
 * cell's recorded truth as the judge (0 false positives, 0 false negatives); the probe's own JSON
 * for each cell names no address. Only lab origins are probed: nothing leaves the machine.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderProbe } from '../../harness/report/probe-text.ts';
import { translator } from '../../harness/i18n/translate.ts';
import { IPV4, misjudged, runProbeGrid } from './helpers.ts';

test('probe on loopback: kz-2019, kz-2020, kz-2024 flag every target in every state and never the control; baseline never flags; its JSON has no address', { timeout: 240_000 }, async () => {
  const run = await runProbeGrid(['kz-2019-qaznet', 'kz-2020-isca', 'kz-2024', 'baseline']);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(run.results.map((r) => r.scenario).sort(), ['baseline', 'kz-2019-qaznet', 'kz-2020-isca', 'kz-2024']);
  let intercepted = 0;
  let clean = 0;
  for (const result of run.results) {
    const rows = result.rows.filter((r) => r.skipped === undefined);
    assert.equal(rows.length, result.rows.length, `${result.scenario}: nothing skipped`);
    assert.deepEqual(rows.filter((r) => !r.pass).map((r) => `${r.state}/${r.site}: ${r.actual.error} (expected ${r.expected})`), []);
    assert.deepEqual(misjudged(result), { fp: [], fn: [] });
    intercepted += rows.filter((r) => r.truth?.status === 'intercepted').length;
    clean += rows.filter((r) => r.truth?.status === 'clean').length;
    if (result.scenario === 'baseline') assert.ok(rows.every((r) => r.actual.error === 'not-intercepted'));
  }
  // kz-2019: 4 states × 4 targets, kz-2020: 4 × 4, kz-2024: 3 × 3; controls and baseline clean
  assert.equal(intercepted, 16 + 16 + 9);
  assert.equal(clean, 4 + 4 + 3 + 12);

  assert.equal(run.reports.length, intercepted + clean, 'one probe JSON per cell');
  for (const { file, text, report } of run.reports) {
    assert.doesNotMatch(text, IPV4, file);
    assert.equal(report.addresses, false);
    assert.ok(report.sites.every((s) => s.address === undefined));
  }
  const qaznet = run.reports.find((r) => r.report.sites[0]?.site === 'vk.com' && r.report.overall.verdict === 'intercepted')!.report;
  assert.equal(qaznet.overall.campaigns[0], 'qaznet-2019');
  assert.match(qaznet.sites[0]!.ttl && 'skipped' in qaznet.sites[0]!.ttl ? qaznet.sites[0]!.ttl.skipped : '', /loopback|proxy/);

  // the same verdict in plain words, in each language, with what to do next
  const en = renderProbe(qaznet, translator('en'), 1000);
  assert.match(en, /vk\.com: INTERCEPTED\. The certificate was made by Qaznet Trust Network/);
  assert.match(en, /Chrome, Firefox and Safari refuse this root since August 2019/);
  for (const system of ['Android', 'Windows', 'macOS', 'Linux', 'Firefox']) assert.match(en, new RegExp(`- ${system}`));
  const kk = renderProbe(qaznet, translator('kk'), 1000);
  assert.match(kk, /vk\.com: ҰСТАЛДЫ\. Сертификатты сайттың өзі емес, Qaznet Trust Network шығарған/);
  assert.match(kk, /ҚОРЫТЫНДЫ: бұл байланыс ҰСТАЛЫП ЖАТЫР/);
  const ru = renderProbe(qaznet, translator('ru'), 1000);
  assert.match(ru, /ИТОГ: это соединение ПЕРЕХВАТЫВАЕТСЯ, перехватчик: Qaznet Trust Network/);
  const control = run.reports.find((r) => r.report.sites[0]?.site === 'control.example.kz')!.report;
  assert.match(renderProbe(control, translator('en'), 1000), /VERDICT: no interception seen[\s\S]*Nothing to do/);
});
