/**
 * Which lab client a User-Agent claims to be. Only the clients the reference table knows are
 * recognised; anything else is "unknown", and the detector skips rather than guesses.
 */
const CLAIMS: readonly { client: string; pattern: RegExp }[] = [
  { client: 'curl', pattern: /^curl\// },
  { client: 'python', pattern: /^(Python-urllib|python-requests|python-httpx)\// },
  { client: 'node', pattern: /^(node|undici|node-fetch)(\/|$)/ },
  { client: 'firefox', pattern: /\bFirefox\// },
  { client: 'chromium', pattern: /\b(Chrome|Chromium|HeadlessChrome)\// },
  { client: 'java', pattern: /^Java(-http-client)?\// },
];

export function clientClaimedBy(userAgent: string): string | undefined {
  return CLAIMS.find(({ pattern }) => pattern.test(userAgent))?.client;
}
