/**
 * A scenario's grid in the report: state × (box ×) site × client, each cell coloured by its status
 * and a link to its panel; the filters above the grids narrow every grid at once.
 */
import type { Translator } from '../../i18n/translate.ts';
import { actualText, cellText } from '../cells.ts';
import { gridAxes } from '../grid.ts';
import type { CellView } from './cell-view.ts';
import { html, type Markup } from './markup.ts';

export function gridMarkup(views: readonly CellView[], tr: Translator): Markup {
  const axes = gridAxes(views.map((v) => v.row));
  const byRow = new Map(views.map((v) => [v.row, v]));
  const head = html`<tr><th>${tr.t('grid.state')}</th>${axes.boxes && html`<th>${tr.t('grid.box')}</th>`}<th>${tr.t('grid.site')}</th>${axes.clients.map((c) => html`<th class="client" data-client="${c}">${c}</th>`)}</tr>`;
  const lines = axes.lines.map((line) => {
    const cells = axes.clients.map((client) => {
      const row = axes.cell(line, client);
      const view = row && byRow.get(row);
      if (!row || !view) return html`<td class="empty" data-client="${client}"></td>`;
      const search = [row.state, row.box ?? '', row.site, row.client, actualText(row), row.expected, row.truth?.status ?? ''].join(' ').toLowerCase();
      return html`<td class="cell ${view.status}" data-status="${view.status}" data-client="${client}" data-search="${search}"><a href="#${view.id}" title="${tr.t(`html.status.${view.status}`)}: ${row.state} · ${client} · ${row.site}">${cellText(row, 60, tr)}</a></td>`;
    });
    return html`<tr class="line${line.firstOfState ? ' first-of-state' : ''}" data-state="${line.state}" data-box="${line.box ?? ''}"><th class="state" scope="row">${line.firstOfState ? line.state : ''}</th>${axes.boxes && html`<td class="box">${line.firstOfBox ? (line.box ?? '') : ''}</td>`}<td class="site">${line.site}</td>${cells}</tr>`;
  });
  return html`<div class="grid-wrap"><table class="grid"><thead>${head}</thead><tbody>${lines}</tbody></table></div>`;
}

/** One set of filters for every grid of the report: status, client, state, box, and free text. */
export function filtersMarkup(views: readonly CellView[], tr: Translator): Markup {
  const unique = (pick: (v: CellView) => string | undefined) => [...new Set(views.map(pick).filter((x): x is string => x !== undefined))];
  const select = (name: string, label: string, values: string[]) =>
    values.length > 1 && html`<label>${label} <select data-filter="${name}"><option value="">${tr.t('html.filter.all')}</option>${values.map((v) => html`<option>${v}</option>`)}</select></label>`;
  const counts = { pass: 0, fail: 0, skip: 0 };
  for (const v of views) counts[v.status]++;
  return html`<form class="filters" role="search">
    ${(['pass', 'fail', 'skip'] as const).map((s) => html`<label class="status-filter ${s}"><input type="checkbox" data-filter="status" value="${s}" checked> ${tr.t(`html.status.${s}`)} (${counts[s]})</label>`)}
    ${select('client', tr.t('grid.client'), unique((v) => v.row.client))}
    ${select('state', tr.t('grid.state'), unique((v) => v.row.state))}
    ${select('box', tr.t('grid.box'), unique((v) => v.row.box))}
    <label>${tr.t('html.filter.search')} <input type="search" data-filter="text" placeholder="${tr.t('html.filter.placeholder')}"></label>
    <output data-template="${tr.t('html.filter.shown')}">${tr.t('html.filter.shown', { shown: views.length, total: views.length })}</output>
  </form>`;
}
