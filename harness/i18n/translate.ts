/**
 * Message lookup for one language: `{name}` placeholders, plural forms chosen by the language's
 * own rules (Intl.PluralRules: Russian has one/few/many, Kazakh does not inflect after numbers),
 * numbers and dates in the language's format. Every message lives in a catalogue, none in code.
 */
import { en, type MessageKey } from './catalogues/en.ts';
import { kk } from './catalogues/kk.ts';
import { ru } from './catalogues/ru.ts';
import type { Catalogue, Message } from './catalogue.ts';
import type { Lang } from './lang.ts';

export const CATALOGUES: Record<Lang, Catalogue> = { en, ru, kk };

export type Params = Record<string, string | number>;

export interface Translator {
  readonly lang: Lang;
  t(key: MessageKey, params?: Params): string;
  /** 12.3 in the language's notation (12,3 in ru and kk) */
  decimal(value: number, digits?: number): string;
  /** seconds with one decimal and the language's unit: 35.0 s, 35,0 с */
  seconds(ms: number): string;
  /** a point in time, long form */
  dateTime(date: Date): string;
}

function fill(template: string, params: Params): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

function choose(message: Message, rules: Intl.PluralRules, params: Params): string {
  if (typeof message === 'string') return message;
  const count = Number(params.count ?? 0);
  return message[rules.select(count)] ?? message.other;
}

export function translator(lang: Lang): Translator {
  const catalogue = CATALOGUES[lang];
  const rules = new Intl.PluralRules(lang);
  const decimals = new Map<number, Intl.NumberFormat>();
  const decimal = (value: number, digits = 1) => {
    let format = decimals.get(digits);
    if (!format) decimals.set(digits, (format = new Intl.NumberFormat(lang, { minimumFractionDigits: digits, maximumFractionDigits: digits, useGrouping: false })));
    return format.format(value);
  };
  const t = (key: MessageKey, params: Params = {}) => fill(choose(catalogue[key], rules, params), params);
  const dates = new Intl.DateTimeFormat(lang, { dateStyle: 'long', timeStyle: 'medium' });
  return {
    lang,
    t,
    decimal,
    seconds: (ms) => t('unit.seconds', { value: decimal(ms / 1000) }),
    dateTime: (date) => dates.format(date),
  };
}

/** JUnit, TAP and results.json are read by machines: they stay in English whatever --lang says. */
export const english = translator('en');
