/**
 * The catalogues: Russian and Kazakh give every message English has, with the same parameters,
 * and leave nothing in English; the language comes from --lang or the environment; plural forms
 * and numbers follow each language's rules; the built-in scenarios describe themselves in all three.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { en } from '../../harness/i18n/catalogues/en.ts';
import { langFromEnv, LANGS } from '../../harness/i18n/lang.ts';
import { textIn } from '../../harness/i18n/localised.ts';
import { CATALOGUES, translator } from '../../harness/i18n/translate.ts';
import { labCatalogue } from '../../harness/runner/lab-catalogue.ts';
import { builtInScenarioFiles } from '../../harness/scenario/discover.ts';
import { loadScenarioFile } from '../../harness/scenario/load.ts';
import type { Message } from '../../harness/i18n/catalogue.ts';
import { latinWordsOutside } from './helpers/english.ts';

const forms = (m: Message) => (typeof m === 'string' ? [m] : Object.values(m));
const params = (m: Message) => new Set(forms(m).flatMap((f) => [...f.matchAll(/\{(\w+)\}/g)].map((x) => x[1])));

for (const lang of ['ru', 'kk'] as const) {
  test(`${lang}: every English message is there, with the same parameters, and none is left in English`, () => {
    const catalogue = CATALOGUES[lang];
    assert.deepEqual(Object.keys(catalogue).sort(), Object.keys(en).sort());
    const problems: string[] = [];
    for (const [key, english] of Object.entries(en)) {
      const message = catalogue[key as keyof typeof en];
      // a plural message may drop {count} where the language says the number another way, never add one
      const missing = [...params(english)].filter((p) => p !== 'count' && !params(message).has(p));
      const extra = [...params(message)].filter((p) => !params(english).has(p));
      if (missing.length || extra.length) problems.push(`${key}: parameters differ (missing ${missing}, extra ${extra})`);
      if (typeof message !== 'string' && message.other === undefined) problems.push(`${key}: no "other" plural form`);
      for (const form of forms(message)) {
        if (forms(english).includes(form)) problems.push(`${key}: still the English "${form}"`);
        const latin = latinWordsOutside(form.replace(/\{\w+\}/g, ''));
        if (latin.length) problems.push(`${key}: English words ${latin.join(', ')} in "${form}"`);
      }
    }
    assert.deepEqual(problems, []);
  });
}

test('the language: --lang wins (commander), else LC_ALL, LC_MESSAGES, LANG; C, POSIX and unknown languages are English', () => {
  assert.equal(langFromEnv({ LANG: 'ru_RU.UTF-8' }), 'ru');
  assert.equal(langFromEnv({ LANG: 'kk_KZ.UTF-8' }), 'kk');
  assert.equal(langFromEnv({ LC_ALL: 'kk_KZ', LANG: 'ru_RU.UTF-8' }), 'kk');
  assert.equal(langFromEnv({ LC_MESSAGES: 'ru', LANG: 'en_US.UTF-8' }), 'ru');
  assert.equal(langFromEnv({ LC_ALL: '', LANG: 'kk_KZ@cyrillic' }), 'kk');
  for (const locale of ['C', 'C.UTF-8', 'POSIX', 'de_DE.UTF-8', '']) assert.equal(langFromEnv({ LANG: locale }), 'en', locale);
  assert.equal(langFromEnv({}), 'en');
});

test('plural forms and numbers follow each language', () => {
  const ru = translator('ru');
  assert.deepEqual([1, 2, 5, 21, 90].map((count) => ru.t('html.cert.days', { count })), ['1 день', '2 дня', '5 дней', '21 день', '90 дней']);
  assert.equal(translator('en').t('html.cert.days', { count: 1 }), '1 day');
  assert.equal(translator('kk').t('html.cert.days', { count: 90 }), '90 күн');
  assert.equal(ru.seconds(35_040), '35,0 с');
  assert.equal(translator('kk').decimal(0.5625, 2), '0,56');
  assert.equal(translator('en').seconds(35_040), '35.0 s');
});

test('every built-in scenario describes itself, and each of its states, in English, Russian and Kazakh (Cyrillic)', async () => {
  const catalogue = labCatalogue();
  for (const file of builtInScenarioFiles()) {
    const scenario = await loadScenarioFile(file, catalogue);
    const texts = [{ where: scenario.id, text: scenario.description }, ...scenario.states.filter((s) => s.description !== undefined).map((s) => ({ where: `${scenario.id} ${s.name}`, text: s.description! }))];
    for (const { where, text } of texts) {
      assert.equal(typeof text, 'object', `${where}: a map {en, ru, kk}`);
      for (const lang of LANGS) assert.ok(textIn(text, lang).length > 0, `${where}: ${lang}`);
      for (const lang of ['ru', 'kk'] as const) {
        assert.notEqual(textIn(text, lang), textIn(text, 'en'), `${where}: ${lang} is the English text`);
        assert.match(textIn(text, lang), /[а-яәғқңөұүһі]/i, `${where}: ${lang} in Cyrillic`);
      }
    }
  }
});

test('a description map without a language falls back to English; a string is every language', () => {
  assert.equal(textIn({ en: 'only English' }, 'kk'), 'only English');
  assert.equal(textIn({ en: 'a', ru: 'б' }, 'ru'), 'б');
  assert.equal(textIn('plain', 'ru'), 'plain');
});
