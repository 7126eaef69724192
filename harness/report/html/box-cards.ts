/** The run's box report cards (docs/boxes.md): one row per box, its letter and every point it lost. */
import type { BoxCard } from '../../../lab/boxes/grade/index.ts';
import type { Translator } from '../../i18n/translate.ts';
import { html, type Markup } from './markup.ts';

function cardRow(card: BoxCard, tr: Translator): Markup {
  if ('skipped' in card) return html`<tr><td>${card.box}</td><td class="skip">–</td><td colspan="4">${tr.t('html.boxes.skipped', { reason: card.skipped })}</td></tr>`;
  const broken = Object.entries(card.upstreamValidation).map(([kind, v]) => html`<li class="${v.verdict === 'launders' ? 'fail' : ''}" title="${v.detail}">${kind}: ${v.verdict}</li>`);
  const leaves = [
    `${card.leaves.lifetimeDays ?? '?'} d`,
    ...(card.leaves.keyReusedAcrossHosts ? ['one key for every host'] : []),
    ...(card.leaves.leafKeyIsCaKey ? ['leaf key = CA key'] : []),
    ...(card.leaves.dropped.length ? [`drops ${card.leaves.dropped.join(', ')}`] : []),
  ].join('; ');
  return html`<tr>
<td>${card.box}</td>
<td class="grade grade-${card.grade}">${card.grade}</td>
<td><ul class="plain">${broken}</ul></td>
<td>${card.upstreamTls.grade}${card.upstreamTls.decidedBy && html` <small>${card.upstreamTls.decidedBy}</small>`}</td>
<td>${leaves}</td>
<td>${card.cost.firstContactMs} / ${card.cost.directMs} ms (${card.cost.ratio}×)</td>
</tr>
<tr class="reasons"><td></td><td colspan="5"><ul class="plain">${card.reasons.map((r) => html`<li><b>${r.grade}</b> ${r.reason}</li>`)}${card.limitations.map((l) => html`<li>! ${l}</li>`)}</ul></td></tr>`;
}

export function boxCardsMarkup(cards: readonly BoxCard[], tr: Translator): Markup {
  if (cards.length === 0) return html``;
  return html`<section class="boxes" id="boxes">
<h2>${tr.t('html.boxes')}</h2>
<table class="scores"><thead><tr><th>${tr.t('grid.box')}</th><th>${tr.t('html.boxes.grade')}</th><th>${tr.t('html.boxes.broken')}</th><th>${tr.t('html.boxes.hello')}</th><th>${tr.t('html.boxes.leaves')}</th><th>${tr.t('html.boxes.cost')}</th></tr></thead>
<tbody>${cards.map((card) => cardRow(card, tr))}</tbody></table>
</section>`;
}
