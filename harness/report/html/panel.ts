/**
 * One cell's panel: the verdict and the client's exact error, the browser's screenshot, the chain
 * it was served beside the origin's, each detector's finding with its reason, the box's events for
 * the cell's connections, what the origin saw, and links to the capture and key log.
 */
import type { Translator } from '../../i18n/translate.ts';
import { actualText, flakyReason, isFlaky } from '../cells.ts';
import { chainsMarkup } from './chain.ts';
import type { CellView, Finding } from './cell-view.ts';
import { html, type Markup } from './markup.ts';

/** Screenshots (shown, each distinct image embedded once) and the cell's other files (capture, key log, logs: linked), relative to the report. */
export interface CellFiles {
  screenshots: { key: string; href: string }[];
  links: { label: string; href: string }[];
}

const OMITTED_EVENT_FIELDS = new Set(['type', 'conn', 'time']);

function eventDetails(event: Record<string, unknown>, tr: Translator): string {
  return Object.entries(event)
    .filter(([key]) => !OMITTED_EVENT_FIELDS.has(key))
    .map(([key, value]) => {
      if (key === 'chainPem' && Array.isArray(value)) return `chain=${tr.t('html.events.certificates', { count: value.length })}`;
      const text = typeof value === 'string' ? value.trim() : JSON.stringify(value);
      return `${key}=${text.length > 160 ? `${text.slice(0, 159)}…` : text}`;
    })
    .join('  ');
}

function findingOutcome(f: Finding): string {
  if (f.truth === null) return 'unreachable';
  if (f.flagged === null) return 'skipped';
  return f.truth ? (f.flagged ? 'TP' : 'FN') : f.flagged ? 'FP' : 'TN';
}

function findingsMarkup(findings: readonly Finding[], tr: Translator): Markup {
  if (findings.length === 0) return html`<p>${tr.t('html.findings.none')}</p>`;
  const verdict = (f: Finding) => tr.t(f.flagged === null ? 'html.findings.skipped' : f.flagged ? 'html.findings.flagged' : 'html.findings.cleared');
  return html`<table class="findings"><thead><tr><th>${tr.t('html.findings.detector')}</th><th>${tr.t('html.findings.verdict')}</th><th>${tr.t('html.findings.score')}</th><th>${tr.t('html.findings.confidence')}</th><th>${tr.t('html.findings.reason')}</th></tr></thead><tbody>${findings.map(
    (f) => html`<tr class="finding ${findingOutcome(f)}"><td>${f.detector}</td><td>${verdict(f)}</td><td>${findingOutcome(f) === 'unreachable' ? tr.t('scores.unreachable') : findingOutcome(f) === 'skipped' ? tr.t('scores.skipped') : findingOutcome(f)}</td><td>${f.confidence === undefined ? '' : tr.decimal(f.confidence, 2)}</td><td>${f.reason}</td></tr>`,
  )}</tbody></table>`;
}

function eventsMarkup(view: CellView, tr: Translator): Markup {
  const record = view.record;
  if (!record) return html`<p>${tr.t('html.events.noRecord')}</p>`;
  // in time order across connections: a browser's second connection starts before its first one closes
  const events = record.connections.flatMap((c) => c.events.map((e) => ({ conn: c.conn, event: e }))).sort((a, b) => a.event.time - b.event.time);
  if (events.length === 0) return html`<p>${tr.t('html.events.none')}</p>`;
  return html`<table class="events"><thead><tr><th>${tr.t('html.events.at')}</th><th>${tr.t('html.events.connection')}</th><th>${tr.t('html.events.event')}</th><th>${tr.t('html.events.details')}</th></tr></thead><tbody>${events.map(
    ({ conn, event }) =>
      html`<tr class="event ${event.type}"><td>+${Math.max(0, event.time - record.startedAt)} ms</td><td>${conn}</td><td>${event.type}</td><td><code>${eventDetails(event as unknown as Record<string, unknown>, tr)}</code></td></tr>`,
  )}</tbody></table>`;
}

function originMarkup(view: CellView, tr: Translator): Markup {
  const visits = view.record?.originVisits ?? [];
  const userAgent = view.evidence?.origin.userAgent;
  if (visits.length === 0 && !userAgent) return html`<p>${tr.t('html.origin.nothing')}</p>`;
  return html`<ul class="origin-visits">${visits.map(
    (v) => html`<li><code>${v.method} ${v.path}</code> ${tr.t('html.origin.from', { peer: v.peer })}${v.ja4 && html` · JA4 <code>${v.ja4}</code>`}${v.userAgent && html` · User-Agent <code>${v.userAgent}</code>`}</li>`,
  )}${visits.length === 0 && userAgent && html`<li>User-Agent <code>${userAgent}</code></li>`}</ul>`;
}

function verdictMarkup(view: CellView, tr: Translator): Markup {
  const { row } = view;
  const item = (label: string, value: Markup | string | number | undefined) => value !== undefined && value !== '' && html`<dt>${label}</dt><dd>${value}</dd>`;
  return html`<dl class="verdict">
    ${item(tr.t('html.cell.expected'), html`<code>${row.expected}</code>`)}
    ${item(tr.t('html.cell.actual'), html`<code>${actualText(row)}</code>`)}
    ${item(tr.t('html.cell.error'), row.actual.error === null ? tr.t('html.cell.noError') : html`<code class="client-error">${row.actual.error}</code>`)}
    ${item(tr.t('html.cell.httpStatus'), row.actual.status)}
    ${item(tr.t('html.cell.duration'), row.actual.durationMs === undefined ? undefined : tr.seconds(row.actual.durationMs))}
    ${item(tr.t('html.cell.truth'), row.truth && html`<span class="truth ${row.truth.status}">${tr.t(`html.truth.${row.truth.status}`)}</span> — ${row.truth.reason}`)}
    ${item(tr.t('html.cell.skipped'), row.skipped)}
    ${item(tr.t('html.cell.allowed'), row.allowed)}
    ${item(tr.t('cell.flaky'), isFlaky(row) ? flakyReason(row, tr) : undefined)}
    ${item(tr.t('html.cell.attempts'), !isFlaky(row) && row.failedAttempts?.length ? (row.failedAttempts ?? []).map((f) => `#${f.attempt}: ${f.reason}`).join('; ') : undefined)}
    ${item(tr.t('html.cell.limitations'), row.limitations?.join('; '))}
  </dl>${row.actual.detail && html`<pre class="detail">${row.actual.detail}</pre>`}`;
}

export function panelMarkup(view: CellView, files: CellFiles, tr: Translator): Markup {
  const { row } = view;
  const title = [row.state, row.client, row.site, ...(row.box !== undefined ? [row.box] : [])].join(' · ');
  return html`<section class="panel" id="${view.id}" hidden aria-labelledby="${view.id}-title">
  <header><h3 id="${view.id}-title"><span class="badge ${view.status}">${tr.t(`html.status.${view.status}`)}</span> ${title}</h3><button type="button" class="close" data-close>${tr.t('html.panel.close')}</button></header>
  ${verdictMarkup(view, tr)}
  ${files.screenshots.length > 0 && html`<h4>${tr.t('html.panel.screenshot')}</h4>${files.screenshots.map((s) => html`<figure class="shot"><img data-shot="${s.key}" alt="${tr.t('html.panel.screenshotOf', { client: row.client, site: row.site })}"><figcaption><a href="${s.href}">${s.href}</a></figcaption></figure>`)}`}
  <h4>${tr.t('html.panel.chains')}</h4>
  ${chainsMarkup(view, tr)}
  <h4>${tr.t('html.panel.findings')}</h4>
  ${findingsMarkup(view.findings, tr)}
  <h4>${tr.t('html.panel.events')}</h4>
  ${eventsMarkup(view, tr)}
  <h4>${tr.t('html.panel.origin')}</h4>
  ${originMarkup(view, tr)}
  <h4>${tr.t('html.panel.files')}</h4>
  ${files.links.length > 0 && html`<ul class="files">${files.links.map((l) => html`<li><a href="${l.href}">${l.label}</a> <code>${l.href}</code></li>`)}</ul>`}
  ${row.capture?.problem ? html`<p>${row.capture.problem}</p>` : files.links.length === 0 && html`<p>${tr.t('html.files.none')}</p>`}
</section>`;
}
