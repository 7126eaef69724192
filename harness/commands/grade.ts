/**
 * `tlslab grade --box NAME[,NAME…] [--json FILE]`: each box's report card, measured on loopback
 * against origins the lab owns (docs/boxes.md): one letter per box and the reason for every point
 * it lost, as a table and, with --json, as a file.
 */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { BOX_NAMES, ENGINE_BOX, EXTERNAL_BOX, interceptorNamed } from '../../lab/boxes/index.ts';
import { measureBox } from '../../lab/boxes/grade/measure.ts';
import { reportCard, type ReportCard } from '../../lab/boxes/grade/card.ts';
import { UserError } from '../errors.ts';
import { list } from './options.ts';

export async function gradeBoxes(names: readonly string[], onCard: (card: ReportCard | { box: string; skipped: string }) => void = () => undefined): Promise<Array<ReportCard | { box: string; skipped: string }>> {
  const cards: Array<ReportCard | { box: string; skipped: string }> = [];
  for (const name of names) {
    const interceptor = name === ENGINE_BOX ? undefined : interceptorNamed(name);
    const missing = interceptor?.missing();
    const card = missing
      ? { box: name, skipped: missing }
      : reportCard(name, await measureBox(interceptor));
    cards.push(card);
    onCard(card);
  }
  return cards;
}

export function renderCard(card: ReportCard | { box: string; skipped: string }): string {
  if ('skipped' in card) return `${card.box}: skipped — ${card.skipped}\n`;
  const upstream = Object.entries(card.upstreamValidation).map(([kind, v]) => `${kind} ${v.verdict}`).join(', ');
  const tls = card.upstreamTls;
  const leaves = card.leaves;
  const lines = [
    `${card.box}: ${card.grade}`,
    `  broken origins   ${upstream}`,
    `  toward origins   offers ${tls.offered ?? '?'}, hello grade ${tls.grade}${tls.decidedBy ? ` (${tls.decidedBy})` : ''}${tls.mirrorsClient === undefined ? '' : tls.mirrorsClient ? ', mirrors the client\'s hello' : ', its own hello'}; used ${tls.versionUsed ?? '?'} ${tls.alpnUsed ?? ''}`.trimEnd(),
    `  toward clients   ${card.clientLeg.version ?? '?'} ${card.clientLeg.alpn ?? ''}`.trimEnd(),
    `  forged leaves    ${leaves.lifetimeDays ?? '?'} days, notBefore ${leaves.validityShiftHours ?? '?'} h from the origin's${leaves.keyReusedAcrossHosts ? ', one key for every host' : ''}${leaves.leafKeyIsCaKey ? ', leaf key = CA key' : ''}${leaves.dropped.length ? `, drops ${leaves.dropped.join(', ')}` : ''}`,
    `  first contact    ${card.cost.firstContactMs} ms through it, ${card.cost.directMs} ms direct (${card.cost.ratio}×)`,
    ...card.reasons.map((r) => `  ${r.grade}  ${r.reason}`),
    ...card.limitations.map((l) => `  !  ${l}`),
  ];
  return lines.join('\n') + '\n';
}

export function registerGradeCommand(program: Command): void {
  program
    .command('grade')
    .description('a report card per box: upstream validation, its TLS toward origins and clients, its forged leaves, what it costs')
    .requiredOption('--box <list>', `boxes to grade: ${BOX_NAMES.filter((b) => b !== EXTERNAL_BOX).join(', ')}`, list)
    .option('--json <file>', 'also write the cards as JSON')
    .action(async (flags: { box: string[]; json?: string }) => {
      const unknown = flags.box.filter((b) => !BOX_NAMES.includes(b) || b === EXTERNAL_BOX);
      if (unknown.length > 0) throw new UserError(`--box: cannot grade ${unknown.join(', ')}; boxes: ${BOX_NAMES.filter((b) => b !== EXTERNAL_BOX).join(', ')}`);
      const cards = await gradeBoxes(flags.box, (card) => process.stdout.write(renderCard(card)));
      if (flags.json) await writeFile(flags.json, JSON.stringify(cards, null, 2) + '\n');
    });
}
