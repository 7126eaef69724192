/**
 * The languages the lab speaks to people: English, Russian and Kazakh (in Cyrillic), the languages
 * of the subscribers the 2019 campaign targeted and of the reporting that followed it.
 */
export const LANGS = ['en', 'ru', 'kk'] as const;
export type Lang = (typeof LANGS)[number];

export function isLang(value: string): value is Lang {
  return (LANGS as readonly string[]).includes(value);
}

/**
 * The language the environment asks for, as POSIX orders it (LC_ALL, then LC_MESSAGES, then
 * LANG): `ru_RU.UTF-8` → ru, `kk_KZ` → kk; anything else, C and POSIX included, is English.
 */
export function langFromEnv(env: NodeJS.ProcessEnv = process.env): Lang {
  const locale = [env.LC_ALL, env.LC_MESSAGES, env.LANG].find((v) => v !== undefined && v !== '') ?? '';
  const language = locale.split(/[_.@-]/)[0]?.toLowerCase() ?? '';
  return isLang(language) ? language : 'en';
}
