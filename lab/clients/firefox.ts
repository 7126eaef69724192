/**
 * Firefox ESR behind the ClientShim contract, driven by puppeteer-core over WebDriver BiDi
 * (Playwright cannot drive stock Firefox). Trust lives in the throwaway profile's cert9.db, vendor
 * blocking in its OneCRL store; one browser per prepare(), one user context per visit.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import puppeteer, { type Browser } from 'puppeteer-core';
import type { Availability, ClientSession, ClientShim, Observation, Route, TrustState, VisitTarget } from './types.ts';
import { ArtefactNamer } from './browser/artefacts.ts';
import { skippedSession } from './session.ts';
import { errorMessage } from './browser/errors.ts';
import { createNssDb, installTrust } from './browser/nssdb.ts';
import { readCertificates, type CertificateFacts } from './browser/pem.ts';
import { addSubjectKeyRevocations, awaitShippedOneCrl, type SubjectKeyEntry } from './firefox-onecrl.ts';
import { setPrefs } from './firefox-privileged.ts';
import { firefoxSettings, launchPrefs, proxyPrefs, type FirefoxSettings } from './firefox-settings.ts';
import { freshPagesFor, visitOnce, type FirefoxPages } from './firefox-visit.ts';

const run = promisify(execFile);

export const FIREFOX_BINARIES = ['/usr/bin/firefox-esr', '/usr/lib/firefox-esr/firefox-esr', '/usr/bin/firefox'];
/** why a lab that starts clients inside itself (netns) cannot run this shim yet */
const FIREFOX_NOT_IN_LAB = 'firefox is driven over WebDriver BiDi on a loopback port, which the harness cannot reach inside a lab namespace yet';

export const FIREFOX_ROUTES: Route['kind'][] = ['connect'];

export function findFirefox(): string | undefined {
  return FIREFOX_BINARIES.find((path) => existsSync(path));
}

async function probeFirefox(): Promise<Availability> {
  const executable = findFirefox();
  if (!executable) return { available: false, reason: 'firefox not found: apt-get install firefox-esr' };
  try {
    const { stdout } = await run(executable, ['--version'], { timeout: 15_000 });
    return { available: true, version: stdout.trim() };
  } catch (error) {
    return { available: false, reason: `firefox at ${executable} does not run: ${errorMessage(error)}` };
  }
}

/**
 * OneCRL's subject+pubKeyHash form needs the blocked key's subject; an SPKI hash alone does not
 * carry it, so it is looked up among the certificates the trust state names.
 */
function oneCrlEntries(state: TrustState, known: CertificateFacts[]): { entries: SubjectKeyEntry[]; unresolved: string[] } {
  const wanted = [...new Set([...(state.blockSpki ?? []), ...(state.blockInterceptionSpki ?? [])])];
  const entries: SubjectKeyEntry[] = [];
  const unresolved: string[] = [];
  for (const spki of wanted) {
    const certs = known.filter((cert) => cert.spkiSha256 === spki);
    if (certs.length === 0) unresolved.push(spki);
    for (const cert of certs) entries.push({ subject: cert.subjectDerBase64, pubKeyHash: spki, spki: cert.spkiDerBase64 });
  }
  return { entries, unresolved };
}

class FirefoxSession implements ClientSession {
  private proxy: { host: string; port: number } | undefined;
  private visits = 0;
  private readonly pages: FirefoxPages;
  private readonly artefacts: ArtefactNamer;

  constructor(
    private readonly browser: Browser,
    private readonly settings: FirefoxSettings,
    private readonly anchors: CertificateFacts[],
    private readonly notes: string[],
    workDir: string,
    readonly launchMs: number,
    readonly readyMs: number,
  ) {
    this.pages = freshPagesFor(browser);
    this.pages.refill();
    this.artefacts = new ArtefactNamer(join(workDir, 'artefacts'), 'firefox');
  }

  async visit(target: VisitTarget): Promise<Observation> {
    if (target.route.kind !== 'connect') {
      return {
        outcome: 'skipped',
        durationMs: 0,
        detail: 'firefox needs a connect route: it has no way to send one name to another host:port',
      };
    }
    if (this.proxy?.host !== target.route.host || this.proxy.port !== target.route.port) {
      this.proxy = { host: target.route.host, port: target.route.port };
      await setPrefs(this.browser, proxyPrefs(this.proxy));
    }
    const screenshot = await this.artefacts.next(target.site, 'png');
    const observation = await visitOnce({
      browser: this.browser,
      pages: this.pages,
      anchors: this.anchors.map((anchor) => anchor.certificate),
      mitmPriming: Boolean(this.settings.mitmPrimingEndpoint),
    }, target, screenshot);
    const launch = this.visits++ === 0 ? [`browser launched in ${this.launchMs} ms, ready (OneCRL in) after ${this.readyMs} ms`] : [];
    observation.detail = [observation.detail, ...this.notes, ...launch].filter(Boolean).join('; ');
    return observation;
  }

  async close(): Promise<void> {
    await this.pages.dispose();
    await closeFirefox(this.browser);
  }
}

async function closeFirefox(browser: Browser): Promise<void> {
  const child = browser.process();
  await Promise.race([browser.close(), new Promise((resolve) => setTimeout(resolve, 5_000))]).catch(() => undefined);
  if (child?.pid && child.exitCode === null && child.signalCode === null) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  }
}

async function prepareFirefox(state: TrustState, workDir: string): Promise<FirefoxSession> {
  const executable = findFirefox();
  if (!executable) throw new Error('firefox not found: apt-get install firefox-esr');
  const profile = join(workDir, 'firefox-profile');
  const home = join(workDir, 'firefox-home');
  await mkdir(home, { recursive: true });
  const anchors = await readCertificates(state.anchors);
  const distrusted = await readCertificates(state.distrust ?? []);
  const blocked = await readCertificates(state.blockCertificates ?? []);
  await createNssDb(profile);
  await installTrust(profile, anchors, distrusted);
  const settings = firefoxSettings(state);
  const { entries, unresolved } = oneCrlEntries(state, [...anchors, ...distrusted, ...blocked]);
  const notes = unresolved.map((spki) => `not in OneCRL: no certificate with SPKI ${spki} among anchors/distrust/blockCertificates`);

  const started = performance.now();
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: executable,
    headless: true,
    userDataDir: profile,
    args: ['--remote-allow-system-access'],
    env: { ...process.env, HOME: home },
    extraPrefsFirefox: launchPrefs(settings),
    timeout: 60_000,
  });
  const launchMs = Math.round(performance.now() - started);
  try {
    const shipped = await awaitShippedOneCrl(browser);
    if ('problem' in shipped) notes.push(shipped.problem);
    await addSubjectKeyRevocations(browser, entries);
    return new FirefoxSession(browser, settings, anchors, notes, workDir, launchMs, Math.round(performance.now() - started));
  } catch (error) {
    await closeFirefox(browser);
    throw error;
  }
}

export function createFirefoxShim(): ClientShim & { routes: Route['kind'][] } {
  return firefoxShim;
}

export const firefoxShim: ClientShim & { routes: Route['kind'][] } = {
  name: 'firefox',
  kind: 'browser',
  routes: FIREFOX_ROUTES,
  launcherSupport: FIREFOX_NOT_IN_LAB,
  probe: probeFirefox,
  prepare: async (state, workDir, options) =>
    options?.launcher ? skippedSession(`${FIREFOX_NOT_IN_LAB} (${options.launcher.where})`) : prepareFirefox(state, workDir),
};
