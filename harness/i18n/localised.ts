/** Text an author wrote in several languages (a scenario's description): English always, others when given. */
import type { Lang } from './lang.ts';

export type LocalisedText = string | ({ en: string } & Partial<Record<Exclude<Lang, 'en'>, string>>);

/** The text in `lang`, or in English when the author did not write that language. */
export function textIn(text: LocalisedText | undefined, lang: Lang): string {
  if (text === undefined) return '';
  if (typeof text === 'string') return text;
  return text[lang] ?? text.en;
}
