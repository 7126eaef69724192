/**
 * The whole report.html: totals, filters, then per scenario its description, states, grid, cell
 * panels, detector scores and TTL path; run metadata at the foot. One file, no network: style and
 * script inline (allowed by hash), screenshots as data: URLs, each distinct image once.
 */
import { createHash } from 'node:crypto';
import { textIn } from '../../i18n/localised.ts';
import type { Translator } from '../../i18n/translate.ts';
import type { BaselineVerdict } from '../../runner/detector-checks.ts';
import { tally } from '../../runner/results.ts';
import type { ScenarioRun } from '../../runner/run-scenario.ts';
import type { RunPlan, ScenarioPlan } from '../reporter.ts';
import type { BoxCard } from '../../../lab/boxes/grade/index.ts';
import { boxCardsMarkup } from './box-cards.ts';
import { SCRIPT, STYLE } from './assets.ts';
import type { CellView } from './cell-view.ts';
import { filtersMarkup, gridMarkup } from './grid-view.ts';
import { html, toText, trusted, type Markup } from './markup.ts';
import { panelMarkup, type CellFiles } from './panel.ts';
import { scoresMarkup } from './scores.ts';
import { ttlPathMarkup } from './ttl-path.ts';

export interface ScenarioSection {
  run: ScenarioRun;
  plan?: ScenarioPlan;
  views: CellView[];
  files: Map<string, CellFiles>;
}

export interface PageInput {
  plan?: RunPlan;
  sections: ScenarioSection[];
  verdict: BaselineVerdict;
  wallMs: number;
  /** data: URLs of the screenshots by key */
  shots: Record<string, string>;
  meta: { version: string; node: string; platform: string; argv?: readonly string[] };
  /** the boxes' report cards, when the run graded them */
  boxCards?: readonly BoxCard[];
}

function cspHash(text: string): string {
  return `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
}

function sectionMarkup(section: ScenarioSection, index: number, verdict: BaselineVerdict, tr: Translator): Markup {
  const { run, plan, views } = section;
  const { result } = run;
  const t = tally(result.rows);
  const description = textIn(plan?.description, tr.lang);
  const ran = new Set(result.rows.map((r) => r.state));
  const states = (plan?.states ?? []).filter((s) => ran.has(s.name) && textIn(s.description, tr.lang) !== '');
  const checks = verdict.source ? verdict.checks.filter((c) => c.scenario === result.scenario) : [];
  return html`<section class="scenario" id="scenario-${index}">
  <h2>${result.scenario}</h2>
  ${description && html`<p class="description">${description}</p>`}
  <dl class="meta">
    <dt>${tr.t('html.meta.runtime')}</dt><dd>${result.runtime}</dd>
    <dt>${tr.t('html.meta.cells')}</dt><dd>${tr.t('html.meta.cellCounts', { total: t.total, passed: t.passed, failed: t.failed, skipped: t.skipped })}</dd>
    ${run.wallMs > 0 && html`<dt>${tr.t('html.meta.duration')}</dt><dd>${tr.seconds(run.wallMs)}</dd>`}
  </dl>
  ${states.length > 0 && html`<details open><summary>${tr.t('html.states')}</summary><dl class="states">${states.map((s) => html`<dt>${s.name}</dt><dd>${textIn(s.description, tr.lang)}</dd>`)}</dl></details>`}
  <h3>${tr.t('html.grid')}</h3>
  ${gridMarkup(views, tr)}
  <div class="panels">${views.map((v) => panelMarkup(v, section.files.get(v.id) ?? { screenshots: [], links: [] }, tr))}</div>
  <h3>${tr.t('html.scores')}</h3>
  ${scoresMarkup(result.detectors, checks, tr)}
  ${result.localisation && html`<h3>${tr.t('html.ttl')}</h3>${ttlPathMarkup(result.localisation, tr)}`}
</section>`;
}

export function renderPage(input: PageInput, tr: Translator): string {
  const { plan, sections, verdict } = input;
  const rows = sections.flatMap((s) => s.run.result.rows);
  const t = tally(rows);
  const failedChecks = verdict.checks.filter((c) => c.failed).length;
  const ids = sections.map((s) => s.run.result.scenario);
  const title = `${tr.t('html.title')} — ${ids.join(', ')}`;
  const shotsJson = JSON.stringify(input.shots).replace(/</g, '\\u003c');
  const csp = `default-src 'none'; img-src data:; style-src ${cspHash(STYLE)}; script-src ${cspHash(SCRIPT)}; base-uri 'none'; form-action 'none'`;
  const baselineProblems = verdict.problems.length > 0 && html`<h3>${tr.t('html.baselineProblems')}</h3><ul>${verdict.problems.map((p) => html`<li class="${verdict.failed ? 'fail' : ''}">${p}</li>`)}</ul>`;
  const body = html`<!doctype html>
<html lang="${tr.lang}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="tlslab ${input.meta.version}">
<link rel="icon" href="data:,">
<title>${title}</title>
<style>${trusted(STYLE)}</style>
</head>
<body>
<header class="top">
  <h1>${title}</h1>
  <p class="totals"><span class="pass">${tr.t('html.totals.passed', { count: t.passed })}</span><span class="fail">${tr.t('html.totals.failed', { count: t.failed })}</span><span class="skip">${tr.t('html.totals.skipped', { count: t.skipped })}</span>${failedChecks > 0 && html`<span class="fail">${tr.t('checks.failed', { failed: failedChecks, total: verdict.checks.length, count: verdict.checks.length })}</span>`}</p>
</header>
${filtersMarkup(
  sections.flatMap((s) => s.views),
  tr,
)}
${sections.map((s, i) => sectionMarkup(s, i, verdict, tr))}
${boxCardsMarkup(input.boxCards ?? [], tr)}
${baselineProblems}
<footer>
  <h3>${tr.t('html.meta.title')}</h3>
  <dl class="meta">
    <dt>${tr.t('html.meta.command')}</dt><dd><code>tlslab ${input.meta.argv?.join(' ') ?? plan?.command ?? ''}</code></dd>
    ${plan && html`<dt>${tr.t('html.meta.started')}</dt><dd>${tr.dateTime(plan.startedAt)}</dd>`}
    <dt>${tr.t('html.meta.duration')}</dt><dd>${tr.seconds(input.wallMs)}</dd>
    ${plan?.concurrency !== undefined && html`<dt>${tr.t('html.meta.concurrency')}</dt><dd>${plan.concurrency}</dd>`}
    ${verdict.source && html`<dt>${tr.t('html.meta.baseline')}</dt><dd><code>${verdict.source}</code></dd>`}
    <dt>${tr.t('html.meta.lab')}</dt><dd>tlslab ${input.meta.version} · Node ${input.meta.node} · ${input.meta.platform}</dd>
    <dt>${tr.t('html.meta.language')}</dt><dd>${tr.lang}</dd>
  </dl>
</footer>
<script type="application/json" id="tlslab-shots">${trusted(shotsJson)}</script>
<script>${trusted(SCRIPT)}</script>
</body>
</html>
`;
  return toText(body);
}
