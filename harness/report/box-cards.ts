/** A box's report card as text (tlslab grade, and the table at the end of a run with boxes). */
import type { BoxCard } from '../../lab/boxes/grade/index.ts';

export function renderCard(card: BoxCard): string {
  if ('skipped' in card) return `${card.box}: skipped — ${card.skipped}\n`;
  const upstream = Object.entries(card.upstreamValidation).map(([kind, v]) => `${kind} ${v.verdict}`).join(', ');
  const tls = card.upstreamTls;
  const leaves = card.leaves;
  const mirrors = tls.mirrorsClient === undefined ? '' : tls.mirrorsClient ? ', mirrors the client\'s hello' : ', its own hello';
  const lines = [
    `${card.box}: ${card.grade}`,
    `  broken origins   ${upstream}`,
    `  toward origins   offers ${tls.offered ?? '?'}, hello grade ${tls.grade}${tls.decidedBy ? ` (${tls.decidedBy})` : ''}${mirrors}; used ${tls.versionUsed ?? '?'} ${tls.alpnUsed ?? ''}`.trimEnd(),
    `  toward clients   ${card.clientLeg.version ?? '?'} ${card.clientLeg.alpn ?? ''}`.trimEnd(),
    `  forged leaves    ${leaves.lifetimeDays ?? '?'} days, notBefore ${leaves.validityShiftHours ?? '?'} h from the origin's${leaves.keyReusedAcrossHosts ? ', one key for every host' : ''}${leaves.leafKeyIsCaKey ? ', leaf key = CA key' : ''}${leaves.dropped.length ? `, drops ${leaves.dropped.join(', ')}` : ''}`,
    `  first contact    ${card.cost.firstContactMs} ms through it, ${card.cost.directMs} ms direct (${card.cost.ratio}×)`,
    ...card.reasons.map((r) => `  ${r.grade}  ${r.reason}`),
    ...card.limitations.map((l) => `  !  ${l}`),
  ];
  return lines.join('\n') + '\n';
}
