/**
 * Starting Debian's Chromium ourselves (not through Playwright's launcher, which always adds
 * --disable-component-update and refuses a user-data-dir with fresh contexts) and attaching
 * playwright-core over CDP.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { clientCommand, type ClientCommand } from './process.ts';
import type { ClientLauncher, Route } from './types.ts';
import { bridgeControlPort, type ControlBridge } from './browser/control-bridge.ts';
import { startBrowserProcess, type BrowserProcess } from './browser/process.ts';
import { createLabTempDir, removeRegisteredDir } from '../runtime/registry/run.ts';

/** the real binary; /usr/bin/chromium is a wrapper that adds flags from /etc/chromium.d */
export const CHROMIUM_BINARIES = ['/usr/lib/chromium/chromium', '/usr/bin/chromium'];

export function findChromium(): string | undefined {
  return CHROMIUM_BINARIES.find((path) => existsSync(path));
}

/** where each name's TCP connection goes; `undefined` name = every other name */
export interface DirectMapping {
  site: string;
  host: string;
  port: number;
}

export interface ChromiumLaunchPlan {
  userDataDir: string;
  home: string;
  /** names that must always resolve (the CRLSet canary origin) */
  fixedMappings: DirectMapping[];
  route: Route;
  /**
   * the browser runs where every site's name already resolves to its direct route (a lab's DNS):
   * one launch serves every site, and no catch-all may send other names to one site's route
   */
  namesResolve?: boolean;
  /** direct routes: every site seen so far; the latest route is also the catch-all */
  siteMappings: DirectMapping[];
  loadCrlSet: boolean;
  /** diagnostics only (e.g. --log-net-log) */
  extraArgs?: string[];
}

/**
 * Google services Chromium still calls with background networking off (seen at the lab's proxy:
 * accounts.google.com). They never reach the lab's doors: unresolvable, and not proxied.
 */
export const CHROMIUM_BACKGROUND_HOSTS = ['accounts.google.com', 'clients2.google.com', 'update.googleapis.com', 'optimizationguide-pa.googleapis.com'];

function hostRules(plan: ChromiumLaunchPlan): string {
  const rules = [...plan.fixedMappings, ...plan.siteMappings].map((m) => `MAP ${m.site} ${m.host}:${m.port}`);
  const visited = new Set(plan.siteMappings.map((m) => m.site));
  rules.push(...CHROMIUM_BACKGROUND_HOSTS.filter((host) => !visited.has(host)).map((host) => `MAP ${host} ~NOTFOUND`));
  if (plan.route.kind === 'direct') {
    if (plan.namesResolve) return rules.join(', ');
    // Anything else the browser looks up (background fetches) lands on the lab door too: loopback only.
    rules.push(`MAP * ${plan.route.host}:${plan.route.port}`);
  } else {
    rules.push('MAP * ~NOTFOUND', `EXCLUDE ${plan.route.host}`);
  }
  return rules.join(', ');
}

export function chromiumArgs(plan: ChromiumLaunchPlan): string[] {
  const args = [
    '--headless',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--no-default-browser-check',
    '--disable-background-networking',
    '--disable-sync',
    '--disable-default-apps',
    '--disable-extensions',
    '--disable-breakpad',
    '--disable-domain-reliability',
    '--metrics-recording-only',
    '--password-store=basic',
    '--hide-scrollbars',
    '--window-size=1024,768',
    // the CRLSet component must run, but may never reach Google's updater
    '--component-updater=url-source=http://127.0.0.1:9/',
    '--remote-debugging-port=0',
    `--user-data-dir=${plan.userDataDir}`,
    `--host-resolver-rules=${hostRules(plan)}`,
  ];
  if (!plan.loadCrlSet) args.push('--disable-component-update');
  if (plan.route.kind === 'connect') {
    args.push(`--proxy-server=http://${plan.route.host}:${plan.route.port}`);
    // host rules do not apply to proxied names: the canary and background calls must not use the proxy
    const bypass = [...plan.fixedMappings.map((m) => m.site), ...CHROMIUM_BACKGROUND_HOSTS];
    args.push(`--proxy-bypass-list=${bypass.join(';')}`);
  }
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  args.push(...(plan.extraArgs ?? []), 'about:blank');
  return args;
}

export interface RunningChromium {
  browser: Browser;
  process: BrowserProcess;
  launchMs: number;
  close(): Promise<void>;
}

/** a lab the browser must run inside, and where the bridge to its DevTools port lives */
export interface ChromiumInLab {
  launcher: ClientLauncher;
  controlSocket: string;
}

function browserCommand(executable: string, plan: ChromiumLaunchPlan, lab: ChromiumInLab | undefined, tmp: string): ClientCommand {
  // The user NSS db Chromium reads is $HOME/.pki/nssdb: a throwaway HOME keeps trust private.
  const env = { HOME: plan.home, TMPDIR: tmp };
  if (lab) return clientCommand([executable, ...chromiumArgs(plan)], lab.launcher, env);
  return { file: executable, args: chromiumArgs(plan), env: { ...process.env, ...env } };
}

export async function launchChromium(executable: string, plan: ChromiumLaunchPlan, lab?: ChromiumInLab): Promise<RunningChromium> {
  const started = performance.now();
  // Chromium's own temp dir (org.chromium.Chromium.*, its SingletonSocket: a short path) in a
  // recorded lab dir, so a crash leaves nothing in the host's /tmp
  const tmp = createLabTempDir('tlslab-chromium-', 'Chromium temp dir');
  const command = browserCommand(executable, plan, lab, tmp);
  const browserProcess = await startBrowserProcess({
    executable: command.file,
    args: command.args,
    env: command.env,
    ready: /DevTools listening on (ws:\/\/\S+)/,
    timeoutMs: 30_000,
    what: 'chromium',
  }).catch((error: unknown) => {
    removeRegisteredDir(tmp);
    throw error;
  });
  let bridge: ControlBridge | undefined;
  let browser: Browser;
  try {
    if (lab) bridge = await bridgeControlPort(lab.launcher, browserProcess.endpoint, lab.controlSocket);
    // Playwright's own artifacts dir would be an unrecorded playwright-artifacts-* in /tmp
    browser = await chromium.connectOverCDP(bridge?.endpoint ?? browserProcess.endpoint, { artifactsDir: join(tmp, 'playwright-artifacts') });
  } catch (error) {
    await browserProcess.kill();
    await bridge?.close();
    removeRegisteredDir(tmp);
    throw error;
  }
  return {
    browser,
    process: browserProcess,
    launchMs: performance.now() - started,
    close: async () => {
      // A polite Browser.close lets Chromium release its profile lock; the group kill is the guarantee.
      const child = browserProcess.child;
      // already gone (killed with the run on a signal): nothing to be polite to
      if (child.exitCode === null && child.signalCode === null) {
        await browser.newBrowserCDPSession()
          .then((session) => session.send('Browser.close'))
          .catch(() => undefined);
        await Promise.race([
          new Promise((resolve) => child.once('exit', resolve)),
          new Promise((resolve) => setTimeout(resolve, 2_000)),
        ]);
      }
      await browserProcess.kill();
      await bridge?.close();
      removeRegisteredDir(tmp);
    },
  };
}
