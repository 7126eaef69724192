/**
 * Chromium (Debian's build) behind the ClientShim contract. Trust lives in a throwaway HOME's NSS
 * db, vendor blocking in a CRLSet inside a throwaway user-data-dir; one browser per prepare(),
 * one fresh context per visit.
 */
import { execFile } from 'node:child_process';
import type { X509Certificate } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Availability, ClientLauncher, ClientSession, ClientShim, Observation, Route, TrustState, VisitTarget } from './types.ts';
import { ArtefactNamer } from './browser/artefacts.ts';
import { directByNameProblem } from './route.ts';
import { startCanaryOrigin, type CanaryOrigin } from './browser/canary.ts';
import { errorMessage } from './browser/errors.ts';
import { createNssDb, installTrust, addCertificate, TRUSTED_CA } from './browser/nssdb.ts';
import { readCertificates } from './browser/pem.ts';
import { findChromium, launchChromium, type ChromiumInLab, type ChromiumLaunchPlan, type DirectMapping, type RunningChromium } from './chromium-launch.ts';
import { awaitCrlSetActive, crlSetWanted, installCrlSet } from './chromium-crlset.ts';
import { freshPagesFor, visitOnce, type ChromiumPages } from './chromium-visit.ts';
import { NetLogTail } from './chromium-netlog.ts';

const run = promisify(execFile);

export const CHROMIUM_ROUTES: Route['kind'][] = ['direct', 'connect'];

async function probeChromium(): Promise<Availability> {
  const executable = findChromium();
  if (!executable) return { available: false, reason: 'chromium not found: apt-get install chromium' };
  try {
    const { stdout } = await run(executable, ['--version'], { timeout: 10_000 });
    return { available: true, version: stdout.trim() };
  } catch (error) {
    return { available: false, reason: `chromium at ${executable} does not run: ${errorMessage(error)}` };
  }
}

function sameDestination(a: { host: string; port: number }, b: { host: string; port: number }): boolean {
  return a.host === b.host && a.port === b.port;
}

/** can the running browser reach `target` the way its route says, without a relaunch? */
function planServes(plan: ChromiumLaunchPlan, target: VisitTarget): boolean {
  const route = target.route;
  if (plan.route.kind !== route.kind) return false;
  if (route.kind === 'connect') return sameDestination(plan.route, route);
  if (plan.namesResolve && !directByNameProblem(target)) return true;
  const mapped = plan.siteMappings.find((m) => m.site === target.site);
  return mapped ? sameDestination(mapped, route) : sameDestination(plan.route, route);
}

class ChromiumSession implements ClientSession {
  private running: RunningChromium | undefined;
  private pages: ChromiumPages | undefined;
  private plan: ChromiumLaunchPlan | undefined;
  private crlSetProblem: string | undefined;
  private readonly artefacts: ArtefactNamer;
  private netLog: NetLogTail | undefined;
  launches: { launchMs: number; crlSetActivationMs?: number }[] = [];

  constructor(
    private readonly executable: string,
    private readonly home: string,
    private readonly userDataDir: string,
    private readonly canary: CanaryOrigin | undefined,
    private readonly anchors: X509Certificate[],
    private readonly watchKnownInterception: boolean,
    private readonly workDir: string,
    private readonly lab: ChromiumInLab | undefined,
  ) {
    this.artefacts = new ArtefactNamer(join(workDir, 'artefacts'), 'chromium');
  }

  private nextPlan(target: VisitTarget): ChromiumLaunchPlan {
    const previous = this.plan?.siteMappings ?? [];
    const siteMappings: DirectMapping[] = previous.filter((m) => m.site !== target.site);
    if (target.route.kind === 'direct') siteMappings.push({ site: target.site, host: target.route.host, port: target.route.port });
    return {
      userDataDir: this.userDataDir,
      home: this.home,
      fixedMappings: this.canary ? [{ site: this.canary.site, host: '127.0.0.1', port: this.canary.port }] : [],
      route: target.route,
      namesResolve: Boolean(this.lab?.launcher.resolvesSiteNames) && target.route.kind === 'direct' && !directByNameProblem(target),
      siteMappings: target.route.kind === 'direct' ? siteMappings : previous,
      loadCrlSet: this.canary !== undefined,
      extraArgs: this.netLog ? [`--log-net-log=${this.netLog.file}`] : [],
    };
  }

  private async stopBrowser(): Promise<void> {
    await this.pages?.dispose();
    this.pages = undefined;
    await this.running?.close();
    this.running = undefined;
  }

  private async browserFor(target: VisitTarget): Promise<{ pages: ChromiumPages; launchedNow: boolean }> {
    if (this.running && this.pages && this.plan && planServes(this.plan, target)) {
      if (target.route.kind === 'direct' && !this.plan.siteMappings.some((m) => m.site === target.site)) {
        this.plan.siteMappings.push({ site: target.site, host: target.route.host, port: target.route.port });
      }
      return { pages: this.pages, launchedNow: false };
    }
    await this.stopBrowser();
    this.netLog = this.watchKnownInterception
      ? new NetLogTail(join(this.workDir, 'artefacts', `chromium-netlog-${this.launches.length + 1}.json`))
      : undefined;
    if (this.netLog) await mkdir(join(this.workDir, 'artefacts'), { recursive: true });
    this.plan = this.nextPlan(target);
    const running = await launchChromium(this.executable, this.plan, this.lab);
    this.running = running;
    this.pages = freshPagesFor(running.browser);
    this.pages.refill();
    const launch: { launchMs: number; crlSetActivationMs?: number } = { launchMs: Math.round(running.launchMs) };
    this.launches.push(launch);
    this.crlSetProblem = undefined;
    if (this.canary) {
      const activation = await awaitCrlSetActive(running.browser, `https://${this.canary.site}/`);
      if (activation.active) launch.crlSetActivationMs = activation.waitedMs;
      else this.crlSetProblem = activation.reason;
    }
    return { pages: this.pages, launchedNow: true };
  }

  async visit(target: VisitTarget): Promise<Observation> {
    if (!CHROMIUM_ROUTES.includes(target.route.kind)) {
      return { outcome: 'skipped', durationMs: 0, detail: `route ${target.route.kind} not supported by chromium` };
    }
    const { pages, launchedNow } = await this.browserFor(target);
    if (this.crlSetProblem) return { outcome: 'skipped', durationMs: 0, detail: this.crlSetProblem };
    const screenshot = await this.artefacts.next(target.site, 'png');
    let attempt = await visitOnce(pages, target, screenshot, this.anchors, this.netLog);
    let retries = 0;
    // an address change anywhere in the browser's namespace (another lab's netns or door coming up)
    // aborts the navigation; it says nothing about the cell, so it is retried after a pause
    while (attempt.networkChanged && retries < NETWORK_CHANGED_RETRIES) {
      retries += 1;
      await new Promise((resolve) => setTimeout(resolve, 500 * retries));
      attempt = await visitOnce(pages, target, screenshot, this.anchors, this.netLog);
    }
    const observation = attempt.observation;
    if (retries) observation.retries = retries;
    if (launchedNow) {
      const launch = this.launches[this.launches.length - 1]!;
      const crlSet = launch.crlSetActivationMs === undefined ? '' : `, CRLSet active after ${launch.crlSetActivationMs} ms`;
      observation.detail = `${observation.detail ?? ''}; browser launched in ${launch.launchMs} ms${crlSet}`;
    }
    return observation;
  }

  async close(): Promise<void> {
    await this.stopBrowser();
    await this.canary?.close();
  }
}

const NETWORK_CHANGED_RETRIES = 3;

async function prepareChromium(state: TrustState, workDir: string, launcher: ClientLauncher | undefined): Promise<ChromiumSession> {
  const executable = findChromium();
  if (!executable) throw new Error('chromium not found: apt-get install chromium');
  const home = join(workDir, 'chromium-home');
  const userDataDir = join(workDir, 'chromium-profile');
  const nssDb = join(home, '.pki', 'nssdb');
  await mkdir(userDataDir, { recursive: true });
  await createNssDb(nssDb);
  const anchors = await readCertificates(state.anchors);
  await installTrust(nssDb, anchors, await readCertificates(state.distrust ?? []));
  let canary: CanaryOrigin | undefined;
  if (crlSetWanted(state)) {
    canary = await startCanaryOrigin(join(workDir, 'chromium-canary'), launcher);
    try {
      await addCertificate(nssDb, 'lab-crlset-canary', canary.root, TRUSTED_CA);
      await installCrlSet(userDataDir, state, canary.root.spkiSha256);
    } catch (error) {
      await canary.close();
      throw error;
    }
  }
  const anchorCertificates = anchors.map((anchor) => anchor.certificate);
  const watchKnownInterception = Boolean(state.knownInterceptionSpki?.length);
  const lab = launcher ? { launcher, controlSocket: join(workDir, 'cdp.sock') } : undefined;
  return new ChromiumSession(executable, home, userDataDir, canary, anchorCertificates, watchKnownInterception, workDir, lab);
}

export function createChromiumShim(): ClientShim & { routes: Route['kind'][] } {
  return chromiumShim;
}

export const chromiumShim: ClientShim & { routes: Route['kind'][] } = {
  name: 'chromium',
  kind: 'browser',
  routes: CHROMIUM_ROUTES,
  // the browser, its CRLSet canary origin and the forwarder to its DevTools port all start through the launcher
  launcherSupport: true,
  probe: probeChromium,
  prepare: (state, workDir, options) => prepareChromium(state, workDir, options?.launcher),
};
