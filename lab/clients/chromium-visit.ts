/**
 * One verdict in Chromium: a fresh browser context (own sockets, so nothing is re-used across a
 * trust change), CDP's Security domain for the chain, a screenshot of whatever the page became.
 * Opening a page costs ~200 ms here, so the next context is opened while the caller is busy
 * elsewhere; a verdict then costs about one navigation.
 */
import type { X509Certificate } from 'node:crypto';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import type { ChainSeen, Observation, VisitTarget } from './types.ts';
import { certificateFromDer, chainSeen } from './chain.ts';
import { chromiumNetError, errorMessage } from './browser/errors.ts';
import { CERT_STATUS_KNOWN_INTERCEPTION_DETECTED, type NetLogTail } from './chromium-netlog.ts';
import { FreshPages } from './browser/fresh-pages.ts';

interface VisibleSecurityState {
  securityState?: string;
  certificateSecurityState?: { certificate?: string[]; certificateNetworkError?: string };
  securityStateIssueIds?: string[];
}

/** only spent when the event has not arrived yet (a loaded machine can delay it past the load event) */
const SECURITY_STATE_GRACE_MS = 1_500;

interface FreshPage {
  context: BrowserContext;
  page: Page;
  securityState(): Promise<VisibleSecurityState | undefined>;
}

/** Chromium publishes the verified chain (root included) on load, the received leaf on errors. */
async function watchSecurityState(cdp: CDPSession): Promise<() => Promise<VisibleSecurityState | undefined>> {
  let latest: VisibleSecurityState | undefined;
  let notify: (() => void) | undefined;
  cdp.on('Security.visibleSecurityStateChanged', (event: { visibleSecurityState: VisibleSecurityState }) => {
    if (event.visibleSecurityState.certificateSecurityState?.certificate?.length) {
      latest = event.visibleSecurityState;
      notify?.();
    }
  });
  await cdp.send('Security.enable');
  return async () => {
    if (!latest) {
      await new Promise<void>((resolve) => {
        notify = resolve;
        setTimeout(resolve, SECURITY_STATE_GRACE_MS);
      });
    }
    return latest;
  };
}

export type ChromiumPages = FreshPages<FreshPage>;

export function freshPagesFor(browser: Browser): ChromiumPages {
  return new FreshPages(() => openFreshPage(browser), () => browser.isConnected());
}

async function openFreshPage(browser: Browser): Promise<FreshPage> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const securityState = await watchSecurityState(await context.newCDPSession(page));
    return { context, page, securityState };
  } catch (error) {
    await context.close().catch(() => undefined);
    throw error;
  }
}


function chainOf(state: VisibleSecurityState | undefined, anchors: X509Certificate[]): ChainSeen | undefined {
  const certificates = state?.certificateSecurityState?.certificate;
  return certificates?.length ? chainSeen(certificates.map((der) => certificateFromDer(der)), anchors) : undefined;
}

export interface VisitAttempt {
  observation: Observation;
  /** the browser reported a network change mid-load: the verdict is not about trust */
  networkChanged: boolean;
}

async function navigate(fresh: FreshPage, target: VisitTarget, anchors: X509Certificate[]): Promise<Observation> {
  try {
    const response = await fresh.page.goto(target.url, { timeout: target.timeoutMs, waitUntil: 'load' });
    const state = await fresh.securityState();
    const issues = state?.securityStateIssueIds?.length ? ` issues=${state.securityStateIssueIds.join(',')}` : '';
    return {
      outcome: 'loaded',
      status: response?.status(),
      chain: chainOf(state, anchors),
      durationMs: 0,
      detail: `securityState=${state?.securityState ?? 'unknown'}${issues}`,
    };
  } catch (error) {
    const code = chromiumNetError(error);
    return {
      outcome: 'refused',
      error: code ?? 'timeout-or-unknown',
      // only certificate errors come with a certificate to wait for
      chain: code?.startsWith('net::ERR_CERT_') ? chainOf(await fresh.securityState(), anchors) : undefined,
      durationMs: 0,
      detail: errorMessage(error).split('\n')[0],
    };
  }
}

/** `anchors`: the session's trust anchors, to name the root of a chain sent without it */
/** a loaded page whose chain Chromium marked as known interception is "flagged", as Chrome's infobar does */
async function flagKnownInterception(observation: Observation, netLog: NetLogTail, offset: number): Promise<void> {
  if (observation.outcome !== 'loaded') return;
  if ((await netLog.certStatusSince(offset) & CERT_STATUS_KNOWN_INTERCEPTION_DETECTED) === 0) return;
  observation.outcome = 'flagged';
  observation.error = 'CERT_STATUS_KNOWN_INTERCEPTION_DETECTED';
  observation.artefacts = [...(observation.artefacts ?? []), netLog.file];
}

export async function visitOnce(
  pages: ChromiumPages,
  target: VisitTarget,
  screenshotPath: string,
  anchors: X509Certificate[],
  netLog?: NetLogTail,
): Promise<VisitAttempt> {
  const fresh = await pages.take();
  try {
    const netLogOffset = netLog ? await netLog.size() : 0;
    const started = performance.now();
    const observation = await navigate(fresh, target, anchors);
    if (netLog) await flagKnownInterception(observation, netLog, netLogOffset);
    observation.durationMs = Math.round(performance.now() - started);
    if (observation.error === 'net::ERR_NETWORK_CHANGED') return { observation, networkChanged: true };
    await fresh.page.screenshot({ path: screenshotPath, timeout: 5_000 }).then(
      () => { observation.artefacts = [screenshotPath, ...(observation.artefacts ?? [])]; },
      (error: unknown) => { observation.detail = `${observation.detail ?? ''}; screenshot failed: ${errorMessage(error)}`; },
    );
    return { observation, networkChanged: false };
  } finally {
    await fresh.context.close().catch(() => undefined);
    pages.refill();
  }
}
