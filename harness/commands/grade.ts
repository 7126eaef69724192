/**
 * `tlslab grade --box NAME[,NAME…] [--json FILE]`: each box's report card, measured on loopback
 * against origins the lab owns (docs/boxes.md): one letter per box and the reason for every point
 * it lost, as a table and, with --json, as a file.
 */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { BOX_NAMES, EXTERNAL_BOX } from '../../lab/boxes/index.ts';
import { gradeBoxes } from '../../lab/boxes/grade/index.ts';
import { renderCard } from '../report/box-cards.ts';
import { UserError } from '../errors.ts';
import { list } from './options.ts';

const GRADABLE = BOX_NAMES.filter((b) => b !== EXTERNAL_BOX);

export function registerGradeCommand(program: Command): void {
  program
    .command('grade')
    .description('a report card per box: upstream validation, its TLS toward origins and clients, its forged leaves, what it costs')
    .requiredOption('--box <list>', `boxes to grade: ${GRADABLE.join(', ')}`, list)
    .option('--json <file>', 'also write the cards as JSON')
    .action(async (flags: { box: string[]; json?: string }) => {
      const unknown = flags.box.filter((b) => !GRADABLE.includes(b));
      if (unknown.length > 0) throw new UserError(`--box: cannot grade ${unknown.join(', ')}; boxes: ${GRADABLE.join(', ')}`);
      const cards = await gradeBoxes(flags.box, (card) => process.stdout.write(renderCard(card)));
      if (flags.json) await writeFile(flags.json, JSON.stringify(cards, null, 2) + '\n');
    });
}
