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
import type { Availability, ClientLauncher, ClientSession, ClientShim, Observation, Route, TrustState, VisitTarget } from './types.ts';
import { ArtefactNamer } from './browser/artefacts.ts';
import { directByNameProblem } from './route.ts';
import { errorMessage } from './browser/errors.ts';
import { createNssDb, installTrust } from './browser/nssdb.ts';
import { readCertificates, type CertificateFacts } from './browser/pem.ts';
import { addSubjectKeyRevocations, awaitShippedOneCrl, type SubjectKeyEntry } from './firefox-onecrl.ts';
import { setPrefs, type PrefValue } from './firefox-privileged.ts';
import { byNamePrefs, firefoxSettings, launchPrefs, proxyPrefs, type FirefoxSettings } from './firefox-settings.ts';
import { launchFirefox, type RunningFirefox } from './firefox-launch.ts';
import { freshPagesFor, visitOnce, type FirefoxPages } from './firefox-visit.ts';

const run = promisify(execFile);

export const FIREFOX_BINARIES = ['/usr/bin/firefox-esr', '/usr/lib/firefox-esr/firefox-esr', '/usr/bin/firefox'];

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

type Routing = { key: string; prefs: Record<string, PrefValue> } | { skip: string };

class FirefoxSession implements ClientSession {
  /** the routing the browser's prefs hold now; launch prefs send everything to a dead proxy */
  private routing = 'dead proxy';
  private visits = 0;
  private readonly pages: FirefoxPages;
  private readonly artefacts: ArtefactNamer;

  constructor(
    private readonly running: RunningFirefox,
    private readonly settings: FirefoxSettings,
    private readonly anchors: CertificateFacts[],
    private readonly notes: string[],
    workDir: string,
    private readonly launcher: ClientLauncher | undefined,
    readonly launchMs: number,
    readonly readyMs: number,
  ) {
    this.pages = freshPagesFor(running.browser);
    this.pages.refill();
    this.artefacts = new ArtefactNamer(join(workDir, 'artefacts'), 'firefox');
  }

  private routingFor(target: VisitTarget): Routing {
    const route = target.route;
    if (route.kind === 'connect') return { key: `connect ${route.host}:${route.port}`, prefs: proxyPrefs(route) };
    // Firefox has no per-name host:port override; only a lab whose DNS does the routing lets it go direct
    if (!this.launcher?.resolvesSiteNames) return { skip: 'firefox needs a connect route: it has no way to send one name to another host:port' };
    const problem = directByNameProblem(target);
    return problem ? { skip: `firefox: ${problem}` } : { key: 'by name', prefs: byNamePrefs() };
  }

  async visit(target: VisitTarget): Promise<Observation> {
    const routing = this.routingFor(target);
    if ('skip' in routing) return { outcome: 'skipped', durationMs: 0, detail: routing.skip };
    if (routing.key !== this.routing) {
      this.routing = routing.key;
      await setPrefs(this.running.browser, routing.prefs);
    }
    const screenshot = await this.artefacts.next(target.site, 'png');
    const observation = await visitOnce({
      browser: this.running.browser,
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
    await this.running.stop();
  }
}

async function prepareFirefox(state: TrustState, workDir: string, launcher: ClientLauncher | undefined): Promise<FirefoxSession> {
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
  const running = await launchFirefox({ executable, profile, home, prefs: launchPrefs(settings), workDir, launcher });
  const launchMs = Math.round(performance.now() - started);
  try {
    const shipped = await awaitShippedOneCrl(running.browser);
    if ('problem' in shipped) notes.push(shipped.problem);
    await addSubjectKeyRevocations(running.browser, entries);
    return new FirefoxSession(running, settings, anchors, notes, workDir, launcher, launchMs, Math.round(performance.now() - started));
  } catch (error) {
    await running.stop();
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
  directByName: true,
  // the browser and the forwarder to its BiDi port start through the launcher
  launcherSupport: true,
  probe: probeFirefox,
  prepare: (state, workDir, options) => prepareFirefox(state, workDir, options?.launcher),
};
