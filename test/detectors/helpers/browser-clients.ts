/**
 * Drives the machine's real Chromium (playwright-core) and Firefox ESR (puppeteer-core over
 * WebDriver BiDi) to a loopback recorder, twice each: the second visit resumes the TLS session,
 * which adds pre_shared_key and so a second stack fingerprint.
 */
import { existsSync } from 'node:fs';
import type { ClientHelloRecorder, RecordedRequest } from '../../../lab/detectors/clienthello/recorder.ts';
import { SITE } from './real-clients.ts';

export const BROWSERS = {
  chromium: '/usr/bin/chromium',
  firefox: '/usr/bin/firefox-esr',
} as const;
export type Browser = keyof typeof BROWSERS;

export function browserPresent(browser: Browser): boolean {
  return existsSync(BROWSERS[browser]);
}

/** Visits the recorder, or `viaPort` where a relay forwards to it; returns what the origin recorded. */
export async function captureBrowserHellos(recorder: ClientHelloRecorder, browser: Browser, viaPort?: number): Promise<RecordedRequest[]> {
  const before = recorder.requests.length;
  const port = viaPort ?? recorder.port;
  const urls = [1, 2].map((visit) => `https://${SITE}:${port}/?visit=${visit}`);
  if (browser === 'chromium') {
    const { chromium } = await import('playwright-core');
    const instance = await chromium.launch({
      executablePath: BROWSERS.chromium,
      args: ['--ignore-certificate-errors', `--host-resolver-rules=MAP ${SITE} 127.0.0.1`],
    });
    try {
      const page = await instance.newPage();
      for (const url of urls) await page.goto(url);
    } finally {
      await instance.close();
    }
  } else {
    const { default: puppeteer } = await import('puppeteer-core');
    const instance = await puppeteer.launch({
      browser: 'firefox',
      executablePath: BROWSERS.firefox,
      headless: true,
      acceptInsecureCerts: true,
      extraPrefsFirefox: { 'network.dns.localDomains': SITE },
    });
    try {
      const page = await instance.newPage();
      for (const url of urls) await page.goto(url);
    } finally {
      await instance.close();
    }
  }
  return recorder.requests.slice(before);
}
