/**
 * A cell's chain drawn as cards, leaf → intermediate → root, the chain the client was served beside
 * the origin's real one; a field of a served certificate that differs from the origin's at the
 * same place is marked. A root the server did not send is drawn dashed, named by its issuer and,
 * where the run knows it, with its key (a lab anchor, or the lab key standing in for a real root).
 */
import type { Evidence } from '../../../lab/detectors/index.ts';
import type { Translator } from '../../i18n/translate.ts';
import { certificateFacts, differingFields, type CertificateFacts, type ComparedField } from './certificate.ts';
import type { CellView } from './cell-view.ts';
import { html, type Markup } from './markup.ts';

interface Card {
  role: 'leaf' | 'intermediate' | 'root' | 'rootNotSent';
  facts?: CertificateFacts;
  /** a root that was not sent: its name, and what the run knows of its key */
  name?: string;
  spkiSha256?: string;
  note?: string;
}

function when(date: Date): string {
  return date.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

/** The served chain's cards, a root that was not sent added from what the run knows. */
function cardsOf(pems: readonly string[], evidence: Evidence | undefined, tr: Translator, clientRoot?: string | null): Card[] {
  const facts = pems.map(certificateFacts);
  const cards: Card[] = facts.map((f, i) => {
    const role: Card['role'] = i === 0 ? 'leaf' : f?.selfIssued ? 'root' : 'intermediate';
    return { role, ...(f && { facts: f }) };
  });
  const top = facts.at(-1);
  if (!top || top.selfIssued) return cards;
  const anchor = evidence?.publicAnchorsPem.map(certificateFacts).find((a) => a?.subject === top.issuer);
  if (anchor) return [...cards, { role: 'rootNotSent', facts: anchor, note: tr.t('html.chain.anchorOfLab') }];
  const standIn = evidence?.keyStandIns?.find((k) => k.subject === top.issuer);
  if (standIn) return [...cards, { role: 'rootNotSent', name: top.issuer, spkiSha256: standIn.labSpkiSha256, note: tr.t('html.chain.standIn', { real: standIn.realSpkiSha256 }) }];
  return [
    ...cards,
    {
      role: 'rootNotSent',
      name: top.issuer,
      ...(clientRoot && { spkiSha256: clientRoot }),
      note: clientRoot ? tr.t('html.chain.clientAnchored') : tr.t('html.chain.noRoot'),
    },
  ];
}

function field(label: string, value: Markup | string, differs: boolean, tr: Translator): Markup {
  return html`<dt>${label}</dt><dd${differs ? html` class="differs" title="${tr.t('html.chain.differs')}"` : ''}>${value}</dd>`;
}

function cardMarkup(card: Card, differs: Set<ComparedField>, tr: Translator): Markup {
  const f = card.facts;
  const days = f ? Math.round((f.notAfter.getTime() - f.notBefore.getTime()) / 86_400_000) : 0;
  const body = f
    ? html`${field(tr.t('html.cert.subject'), f.subject, differs.has('subject'), tr)}
        ${field(tr.t('html.cert.issuer'), f.issuer, differs.has('issuer'), tr)}
        ${field('SPKI SHA-256', html`<code>${f.spkiSha256}</code>`, differs.has('spkiSha256'), tr)}
        ${field(tr.t('html.cert.validity'), html`${when(f.notBefore)} → ${when(f.notAfter)} (${tr.t('html.cert.days', { count: days })})`, differs.has('validity'), tr)}
        ${field(tr.t('html.cert.key'), f.keyType, differs.has('keyType'), tr)}
        ${f.dnsNames.length > 0 && field('SAN', f.dnsNames.join(', '), false, tr)}`
    : card.name !== undefined
      ? html`${field(tr.t('html.cert.subject'), card.name, differs.has('subject'), tr)}${card.spkiSha256 && field('SPKI SHA-256', html`<code>${card.spkiSha256}</code>`, false, tr)}`
      : html`<dt>—</dt><dd>${tr.t('html.cert.unreadable')}</dd>`;
  return html`<figure class="cert ${card.role}${differs.size > 0 ? ' differs' : ''}">
    <figcaption>${tr.t(`html.cert.role.${card.role}`)}</figcaption>
    <dl>${body}</dl>${card.note && html`<p class="note">${card.note}</p>`}
  </figure>`;
}

/** What differs from the origin's card at the same place; a root known only by name is compared by name. */
function differencesFrom(card: Card, origin: Card | undefined): Set<ComparedField> {
  if (card.facts) return differingFields(card.facts, origin?.facts);
  const originName = origin?.facts?.subject ?? origin?.name;
  return card.name !== undefined && originName !== undefined && card.name !== originName ? new Set(['subject']) : new Set();
}

function chainMarkup(title: string, cards: readonly Card[], against: readonly Card[] | undefined, tr: Translator, kind: string): Markup {
  const items = cards.map((card, i) => {
    const differs = against ? differencesFrom(card, against[i]) : new Set<ComparedField>();
    return html`${i > 0 && html`<div class="issued-by" aria-hidden="true">↓ ${tr.t('html.chain.issuedBy')}</div>`}${cardMarkup(card, differs, tr)}`;
  });
  return html`<div class="chain ${kind}"><h4>${title}</h4>${items}</div>`;
}

/** Both chains side by side; a sentence when the client was served none. */
export function chainsMarkup(view: CellView, tr: Translator): Markup {
  const origin = view.origin && cardsOf(view.origin.pem, view.evidence, tr);
  const served = view.served && cardsOf(view.served.pem, view.evidence, tr, view.row.actual.chain?.rootSpkiSha256);
  const seen = view.row.actual.chain;
  const servedPart = served
    ? chainMarkup(tr.t('html.chain.served'), served, origin, tr, 'served')
    : html`<div class="chain served"><h4>${tr.t('html.chain.served')}</h4><p>${seen ? tr.t('html.chain.onlySummary', { leaf: seen.leafSubject, issuer: seen.issuer }) : tr.t('html.chain.none')}</p></div>`;
  const originPart = origin ? chainMarkup(tr.t('html.chain.origin'), origin, undefined, tr, 'origin') : html`<div class="chain origin"><h4>${tr.t('html.chain.origin')}</h4><p>${tr.t('html.chain.originUnknown')}</p></div>`;
  return html`<div class="chains">${servedPart}${originPart}</div>`;
}
