/**
 * Detector scores: the counts, precision and recall, and per detector one bar split into what it
 * got right (TP, TN), what it got wrong (FP, FN) and what it could not judge (skipped, unreachable).
 */
import { scoreKey, type DetectorScore } from '../../../lab/detectors/index.ts';
import type { Translator } from '../../i18n/translate.ts';
import type { DetectorCheck } from '../../runner/detector-checks.ts';
import { html, type Markup } from './markup.ts';

const PARTS = ['tp', 'tn', 'fp', 'fn', 'skipped', 'unreachable'] as const;
const BAR_WIDTH = 240;
const BAR_HEIGHT = 14;

function bar(score: DetectorScore, tr: Translator): Markup {
  const total = PARTS.reduce((sum, p) => sum + score[p], 0);
  let x = 0;
  const segments = PARTS.filter((p) => score[p] > 0).map((p) => {
    const width = total === 0 ? 0 : (score[p] / total) * BAR_WIDTH;
    const rect = html`<rect class="part-${p}" x="${x.toFixed(1)}" y="0" width="${width.toFixed(1)}" height="${BAR_HEIGHT}"><title>${legendLabel(p, tr)}: ${score[p]}</title></rect>`;
    x += width;
    return rect;
  });
  return html`<svg class="bar" width="${BAR_WIDTH}" height="${BAR_HEIGHT}" viewBox="0 0 ${BAR_WIDTH} ${BAR_HEIGHT}" role="img" aria-label="${score.name}">${segments}</svg>`;
}

function legendLabel(part: (typeof PARTS)[number], tr: Translator): string {
  if (part === 'skipped') return tr.t('scores.skipped');
  if (part === 'unreachable') return tr.t('scores.unreachable');
  return part.toUpperCase();
}

/** `checks` only when the run was compared with a baseline */
export function scoresMarkup(scores: readonly DetectorScore[], checks: readonly DetectorCheck[], tr: Translator): Markup {
  if (scores.length === 0 && checks.length === 0) return html`<p>${tr.t('html.scores.none')}</p>`;
  const ratio = (x: number | null) => (x === null ? '—' : tr.decimal(x, 2));
  const checkOf = (name: string) => checks.find((c) => c.detector === name);
  const legend = PARTS.map((p) => html`<span class="legend"><svg width="10" height="10" aria-hidden="true"><rect class="part-${p}" width="10" height="10"/></svg> ${legendLabel(p, tr)}</span>`);
  return html`<table class="scores"><thead><tr><th>${tr.t('scores.detector')}</th><th>TP</th><th>FP</th><th>TN</th><th>FN</th><th>${tr.t('scores.skipped')}</th><th>${tr.t('scores.unreachable')}</th><th>${tr.t('scores.precision')}</th><th>${tr.t('scores.recall')}</th><th>${tr.t('html.scores.chart')}</th>${checks.length > 0 && html`<th>${tr.t('html.scores.baseline')}</th>`}</tr></thead><tbody>${scores.map((s) => {
    const check = checkOf(scoreKey(s));
    return html`<tr><td>${s.name}${s.box !== undefined && html` <span class="box">@ ${s.box}</span>`}</td><td>${s.tp}</td><td>${s.fp}</td><td>${s.tn}</td><td>${s.fn}</td><td>${s.skipped}</td><td>${s.unreachable}</td><td>${ratio(s.precision)}</td><td>${ratio(s.recall)}</td><td>${bar(s, tr)}</td>${checks.length > 0 && html`<td class="${check?.failed ? 'fail' : 'pass'}">${check ? `${check.failed ? '✗' : '✓'} ${check.summary}` : ''}</td>`}</tr>`;
  })}${checks
    .filter((c) => !c.score)
    .map((c) => html`<tr><td>${c.detector}</td><td colspan="9">—</td><td class="${c.failed ? 'fail' : 'pass'}">${c.failed ? '✗' : '✓'} ${c.summary}</td></tr>`)}</tbody></table>
  <p class="legends">${legend}</p>`;
}
