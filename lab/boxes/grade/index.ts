/**
 * Report cards for a list of boxes, one after another (each measurement owns the loopback ports
 * it uses and its first-contact clock must not share the CPU with another box's).
 */
import { ENGINE_BOX, EXTERNAL_BOX, interceptorNamed } from '../index.ts';
import { reportCard, type ReportCard } from './card.ts';
import { measureBox } from './measure.ts';

export type { ReportCard } from './card.ts';

/** a box that could not be graded here, and why */
export interface SkippedCard {
  box: string;
  skipped: string;
}

export type BoxCard = ReportCard | SkippedCard;

export async function gradeBoxes(names: readonly string[], onCard: (card: BoxCard) => void = () => undefined): Promise<BoxCard[]> {
  const cards: BoxCard[] = [];
  for (const name of names) {
    const card = await gradeOne(name);
    cards.push(card);
    onCard(card);
  }
  return cards;
}

async function gradeOne(name: string): Promise<BoxCard> {
  if (name === EXTERNAL_BOX) return { box: name, skipped: 'the card configures the box for origins of its own; the lab configures nothing in the external box' };
  const interceptor = name === ENGINE_BOX ? undefined : interceptorNamed(name);
  if (name !== ENGINE_BOX && !interceptor) return { box: name, skipped: `no box named ${name}` };
  const missing = interceptor?.missing();
  if (missing) return { box: name, skipped: missing };
  try {
    return reportCard(name, await measureBox(interceptor));
  } catch (err) {
    return { box: name, skipped: `the measurement failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}` };
  }
}
