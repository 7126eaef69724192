/**
 * Starting Firefox for one session. On the host puppeteer launches it. Inside a lab it cannot:
 * puppeteer would start the browser on the host and dial its BiDi port on the host's loopback. So
 * the profile is prepared as puppeteer prepares it, the process starts through the launcher, and
 * puppeteer connects over the control bridge.
 */
import { join } from 'node:path';
import { Browser as BrowserKind, createProfile } from '@puppeteer/browsers';
import puppeteer, { type Browser } from 'puppeteer-core';
import { clientCommand } from './process.ts';
import type { ClientLauncher } from './types.ts';
import type { PrefValue } from './firefox-privileged.ts';
import { bridgeControlPort, type ControlBridge } from './browser/control-bridge.ts';
import { startBrowserProcess } from './browser/process.ts';

export interface FirefoxLaunch {
  executable: string;
  profile: string;
  home: string;
  prefs: Record<string, PrefValue>;
  /** where the bridge to the BiDi port lives, when `launcher` is given */
  workDir: string;
  launcher?: ClientLauncher;
}

export interface RunningFirefox {
  browser: Browser;
  stop(): Promise<void>;
}

const LAUNCH_LIMIT_MS = 60_000;
// enables the privileged pref and OneCRL calls (firefox-privileged.ts)
const SYSTEM_ACCESS = '--remote-allow-system-access';

export async function launchFirefox(launch: FirefoxLaunch): Promise<RunningFirefox> {
  if (launch.launcher) return launchInLab(launch, launch.launcher);
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: launch.executable,
    headless: true,
    userDataDir: launch.profile,
    args: [SYSTEM_ACCESS],
    env: { ...process.env, HOME: launch.home },
    extraPrefsFirefox: launch.prefs,
    timeout: LAUNCH_LIMIT_MS,
  });
  return { browser, stop: () => closeFirefox(browser, () => killLaunched(browser)) };
}

async function launchInLab(launch: FirefoxLaunch, launcher: ClientLauncher): Promise<RunningFirefox> {
  // puppeteer's own launch adds this pref (single content process, for its input dispatch)
  await createProfile(BrowserKind.FIREFOX, { path: launch.profile, preferences: { ...launch.prefs, 'fission.webContentIsolationStrategy': 0 } });
  const args = [
    ...puppeteer.defaultArgs({ browser: 'firefox', headless: true, userDataDir: launch.profile, args: [SYSTEM_ACCESS] }),
    '--remote-debugging-port=0',
  ];
  const command = clientCommand([launch.executable, ...args], launcher, { HOME: launch.home });
  const browserProcess = await startBrowserProcess({
    executable: command.file,
    args: command.args,
    env: command.env,
    ready: /WebDriver BiDi listening on (ws:\/\/\S+)/,
    timeoutMs: LAUNCH_LIMIT_MS,
  });
  let bridge: ControlBridge | undefined;
  try {
    bridge = await bridgeControlPort(launcher, browserProcess.endpoint, join(launch.workDir, 'bidi.sock'));
    const browser = await puppeteer.connect({
      browserWSEndpoint: `${bridge.endpoint.replace(/\/$/, '')}/session`,
      protocol: 'webDriverBiDi',
      headers: { Host: bridge.browserHost },
    });
    const opened = bridge;
    return { browser, stop: () => closeFirefox(browser, () => browserProcess.kill()).finally(() => opened.close()) };
  } catch (error) {
    await browserProcess.kill();
    await bridge?.close();
    throw error;
  }
}

/** a polite close first (it flushes the profile); the process group kill is the guarantee */
async function closeFirefox(browser: Browser, killGroup: () => Promise<void> | void): Promise<void> {
  await Promise.race([browser.close(), new Promise((resolve) => setTimeout(resolve, 5_000))]).catch(() => undefined);
  await killGroup();
}

function killLaunched(browser: Browser): void {
  const child = browser.process();
  if (child?.pid && child.exitCode === null && child.signalCode === null) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  }
}
