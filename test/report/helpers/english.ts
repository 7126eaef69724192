/**
 * Finding English left in Russian or Kazakh output: Latin-script words that are neither data
 * (names, error codes, hashes the run recorded) nor the technical names every language writes
 * in Latin letters.
 */
export const TECHNICAL_TERMS = new Set([
  'TP', 'FP', 'TN', 'FN', 'SPKI', 'SHA', 'TTL', 'HTTP', 'TLS', 'UTC', 'SAN', 'SNI', 'JA', 'JA4', 'SMS', 'ClientHello', 'User', 'Agent',
  'RSA', 'ECDSA', 'P', 'e', 'pcapng', 'results', 'json', 'tlslab', 'Node', 'linux', 'x64', 'arm64', 'ms',
  'Google', 'Mozilla', 'Chrome', 'Chromium', 'Firefox', 'CRLSet', 'OneCRL', 'NetLog', 'ISCA', 'OONI', 'AMO', 'YouTube',
  // tlslab probe's advice names systems, browsers and tools as they are written in every language
  'Safari', 'Edge', 'Android', 'Windows', 'macOS', 'Linux', 'VPN', 'Tor', 'via', 'no', 'ttl', 'root', 'sudo',
]);

/** Latin-letter words of `text` outside the technical terms and the `data` words given. */
export function latinWordsOutside(text: string, data: ReadonlySet<string> = new Set()): string[] {
  const words = text.match(/[A-Za-z][A-Za-z0-9_]*/g) ?? [];
  return [...new Set(words.filter((w) => !TECHNICAL_TERMS.has(w) && !data.has(w)))];
}

/** Every Latin-letter word in the strings of a value (a run's recorded data): what may appear in any language. */
export function dataWords(value: unknown, words = new Set<string>()): Set<string> {
  if (typeof value === 'string') for (const w of value.match(/[A-Za-z][A-Za-z0-9_]*/g) ?? []) words.add(w);
  else if (Array.isArray(value)) for (const v of value) dataWords(v, words);
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) dataWords([k, v], words);
  return words;
}
