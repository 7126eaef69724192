/**
 * Vendor blocking the way Chrome ships it: a CRLSet component on disk in the user-data-dir. The
 * component is read at start-up, but only reaches the verifier after Chromium's start-up phase,
 * so verdicts wait for a canary origin (its root is in BlockedSPKIs) to be refused first.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { crlSetComponentFiles, encodeCrlSet } from '../ca/crlset.ts';
import type { TrustState } from './types.ts';
import { chromiumNetError } from './browser/errors.ts';

const ACTIVATION_LIMIT_MS = 20_000;
const POLL_INTERVAL_MS = 400;

export function crlSetWanted(state: TrustState): boolean {
  return Boolean(state.blockSpki?.length || state.blockInterceptionSpki?.length || state.knownInterceptionSpki?.length);
}

const DAY_SECONDS = 86_400;

export async function installCrlSet(userDataDir: string, state: TrustState, canarySpki: string): Promise<void> {
  const crlSet = encodeCrlSet({
    sequence: Math.floor(Date.now() / 1000) % 0x7fffffff,
    notAfter: Math.floor(Date.now() / 1000) + 30 * DAY_SECONDS,
    blockedSpkis: [...(state.blockSpki ?? []), canarySpki],
    blockedInterceptionSpkis: state.blockInterceptionSpki ?? [],
    knownInterceptionSpkis: state.knownInterceptionSpki ?? [],
  });
  const component = crlSetComponentFiles(crlSet);
  const dir = join(userDataDir, component.dir);
  await mkdir(dir, { recursive: true });
  for (const [name, bytes] of Object.entries(component.files)) await writeFile(join(dir, name), bytes);
}

export type CrlSetActivation = { active: true; waitedMs: number } | { active: false; reason: string };

export async function awaitCrlSetActive(browser: Browser, canaryUrl: string): Promise<CrlSetActivation> {
  const started = performance.now();
  let last = '';
  while (performance.now() - started < ACTIVATION_LIMIT_MS) {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(canaryUrl, { timeout: 3_000 });
      last = 'canary loaded';
    } catch (error) {
      last = chromiumNetError(error) ?? String(error);
      if (last === 'net::ERR_CERT_REVOKED') return { active: true, waitedMs: Math.round(performance.now() - started) };
    } finally {
      await context.close().catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
  return { active: false, reason: `CRLSet not active after ${ACTIVATION_LIMIT_MS} ms (canary: ${last})` };
}
