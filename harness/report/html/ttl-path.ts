/**
 * The TTL localisation drawn as the path it measured: the client, the routers, the hop where a
 * TTL-limited ClientHello first drew the forged certificate (the box), and the hop where the
 * untargeted control site's genuine certificate came back (the origin).
 */
import type { Translator } from '../../i18n/translate.ts';
import type { ResultLocalisation } from '../../runner/results.ts';
import { html, type Markup } from './markup.ts';

const STEP = 140;
const MARGIN = 70;
const HEIGHT = 120;

export function ttlPathMarkup(found: ResultLocalisation, tr: Translator): Markup {
  const lastHop = Math.max(found.originHop ?? 0, found.interceptorHop ?? 0, 1);
  const hops = Array.from({ length: lastHop + 1 }, (_, hop) => hop);
  const labelOf = (hop: number): { kind: string; name: string; host?: string } => {
    if (hop === 0) return { kind: 'client', name: tr.t('html.ttl.client') };
    if (hop === found.interceptorHop) return { kind: 'box', name: tr.t('html.ttl.box'), ...(found.interceptorHost && { host: found.interceptorHost }) };
    if (hop === found.originHop) return { kind: 'origin', name: tr.t('html.ttl.origin'), ...(found.originHost && { host: found.originHost }) };
    return { kind: 'router', name: tr.t('html.ttl.router') };
  };
  const width = MARGIN * 2 + STEP * lastHop;
  const xOf = (hop: number) => MARGIN + STEP * hop;
  const nodes = hops.map((hop) => {
    const label = labelOf(hop);
    return html`<g class="hop ${label.kind}"><circle cx="${xOf(hop)}" cy="50" r="14"/><text x="${xOf(hop)}" y="90" text-anchor="middle">${label.name}</text>${label.host && html`<text class="host" x="${xOf(hop)}" y="106" text-anchor="middle">${label.host}</text>`}${hop > 0 && html`<text class="ttl" x="${xOf(hop)}" y="24" text-anchor="middle">TTL ${hop}</text>`}</g>`;
  });
  const links = hops.slice(1).map((hop) => html`<line x1="${xOf(hop - 1) + 14}" y1="50" x2="${xOf(hop) - 14}" y2="50"/>`);
  const summary =
    found.interceptorHop === null
      ? tr.t('html.ttl.noBox', { site: found.site })
      : tr.t('html.ttl.summary', { site: found.site, hop: found.interceptorHop, host: found.interceptorHost ?? '?', control: found.control, originHop: found.originHop ?? '?', originHost: found.originHost ?? '?' });
  return html`<figure class="ttl-path"><svg width="${width}" height="${HEIGHT}" viewBox="0 0 ${width} ${HEIGHT}" role="img" aria-label="${summary}"><g class="links">${links}</g>${nodes}</svg><figcaption>${summary} ${tr.t('html.ttl.took', { time: tr.seconds(found.ms) })}</figcaption></figure>`;
}
