/**
 * One verdict in Firefox: a fresh BiDi user context (own connection pool), the error code and the
 * received chain from the certificate error page, or the verified chain from the parent process
 * when the page loaded; then a screenshot.
 */
import type { X509Certificate } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'puppeteer-core';
import type { ChainSeen, Observation, VisitTarget } from './types.ts';
import { certificateFromDer, chainSeen } from './chain.ts';
import { errorMessage, firefoxError } from './browser/errors.ts';
import { evaluateInChrome, loadedSecurityInfo } from './firefox-privileged.ts';
import { FreshPages } from './browser/fresh-pages.ts';

interface FreshPage {
  context: BrowserContext;
  page: Page;
}

export type FirefoxPages = FreshPages<FreshPage>;

export function freshPagesFor(browser: Browser): FirefoxPages {
  return new FreshPages(() => openFreshPage(browser), () => browser.connected);
}

async function openFreshPage(browser: Browser): Promise<FreshPage> {
  const context = await browser.createBrowserContext();
  try {
    return { context, page: await context.newPage() };
  } catch (error) {
    await context.close().catch(() => undefined);
    throw error;
  }
}


interface FailedCertInfo {
  errorCodeString: string;
  errorIsOverridable: boolean;
  certChainStrings: string[];
  hasHSTS: boolean;
  hasHPKP: boolean;
}

/** what about:certerror knows; undefined when the page is not a certificate error page */
async function failedCertInfo(page: Page): Promise<FailedCertInfo | undefined> {
  return page.evaluate(() => {
    const doc = document as Document & { getFailedCertSecurityInfo?: () => FailedCertInfo };
    if (typeof doc.getFailedCertSecurityInfo !== 'function') return undefined;
    const info = doc.getFailedCertSecurityInfo();
    return {
      errorCodeString: info.errorCodeString,
      errorIsOverridable: info.errorIsOverridable,
      certChainStrings: [...info.certChainStrings],
      hasHSTS: info.hasHSTS,
      hasHPKP: info.hasHPKP,
    };
  }).catch(() => undefined);
}

const MITM_RELOAD_LIMIT_MS = 5_000;

/**
 * After an unknown-issuer error, Firefox probes its MITM priming endpoint; if that fails the same
 * way it remembers the issuer and reloads the page, which then shows MITM_DETECTED.
 */
async function awaitMitmVerdict(page: Page, first: FailedCertInfo): Promise<FailedCertInfo> {
  const started = performance.now();
  let latest = first;
  while (performance.now() - started < MITM_RELOAD_LIMIT_MS) {
    await new Promise((resolve) => setTimeout(resolve, 150));
    latest = await failedCertInfo(page) ?? latest;
    if (latest.errorCodeString !== 'SEC_ERROR_UNKNOWN_ISSUER') break;
  }
  return latest;
}

function chainOf(certificates: string[] | undefined, anchors: X509Certificate[]): ChainSeen | undefined {
  return certificates?.length ? chainSeen(certificates.map((der) => certificateFromDer(der)), anchors) : undefined;
}

function frameId(page: Page): string {
  return (page.mainFrame() as unknown as { _id: string })._id;
}

export interface VisitContext {
  browser: Browser;
  pages: FirefoxPages;
  /** the session's trust anchors, to name the root of a chain sent without it */
  anchors: X509Certificate[];
  /** the MITM priming endpoint is set: an unknown-issuer page may still turn into MITM_DETECTED */
  mitmPriming: boolean;
}

async function navigate(page: Page, target: VisitTarget, { browser, anchors, mitmPriming }: VisitContext): Promise<Observation> {
  try {
    const response = await page.goto(target.url, { timeout: target.timeoutMs, waitUntil: 'load' });
    const info = await loadedSecurityInfo(browser, frameId(page)).catch(() => undefined);
    return {
      outcome: 'loaded',
      status: response?.status(),
      chain: chainOf(info?.chain, anchors),
      durationMs: 0,
      detail: info ? `builtInRoot=${info.builtInRoot}` : 'no security info',
    };
  } catch (error) {
    let info = await failedCertInfo(page);
    if (info && mitmPriming && info.errorCodeString === 'SEC_ERROR_UNKNOWN_ISSUER') info = await awaitMitmVerdict(page, info);
    const code = info?.errorCodeString || firefoxError(error) || 'timeout-or-unknown';
    // the MITM page names the issuer Firefox learned from its priming probe; that is kept in a pref
    const canary = code === 'MOZILLA_PKIX_ERROR_MITM_DETECTED'
      ? ` mitmCanaryIssuer=${await evaluateInChrome(browser, `Services.prefs.getStringPref('security.pki.mitm_canary_issuer', '')`).catch(() => '?')}`
      : '';
    return {
      outcome: 'refused',
      error: code,
      chain: chainOf(info?.certChainStrings, anchors),
      durationMs: 0,
      detail: info
        ? `overridable=${info.errorIsOverridable} hsts=${info.hasHSTS} hpkp=${info.hasHPKP}${canary}`
        : errorMessage(error).split('\n')[0]?.slice(0, 300),
    };
  }
}

export async function visitOnce(visit: VisitContext, target: VisitTarget, screenshotPath: string): Promise<Observation> {
  const { pages } = visit;
  const fresh = await pages.take();
  try {
    const started = performance.now();
    const observation = await navigate(fresh.page, target, visit);
    observation.durationMs = Math.round(performance.now() - started);
    await fresh.page.screenshot({ path: screenshotPath as `${string}.png` }).then(
      () => { observation.artefacts = [screenshotPath]; },
      (error: unknown) => { observation.detail = `${observation.detail ?? ''}; screenshot failed: ${errorMessage(error)}`; },
    );
    return observation;
  } finally {
    await fresh.context.close().catch(() => undefined);
    pages.refill();
  }
}
