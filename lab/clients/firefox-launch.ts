/**
 * Starting Firefox for one session: the profile is prepared as puppeteer prepares it, the process
 * starts as every lab browser does (browser/process.ts: own process group, parent-death signal,
 * recorded in the run registry; puppeteer's own launcher would give none of that, and its SIGINT
 * handler exits the process before the lab has cleaned up), and puppeteer connects over WebDriver
 * BiDi. Inside a lab the process starts through the launcher and puppeteer connects over the
 * control bridge: the BiDi port listens on the lab namespace's loopback, not the host's.
 */
import { join } from 'node:path';
import { Browser as BrowserKind, createProfile } from '@puppeteer/browsers';
import puppeteer, { type Browser } from 'puppeteer-core';
import { clientCommand, type ClientCommand } from './process.ts';
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

function browserCommand(launch: FirefoxLaunch, args: string[]): ClientCommand {
  // its temp files (crash helper, caches) land in the throwaway HOME, not the host's /tmp
  const env = { HOME: launch.home, TMPDIR: launch.home };
  if (launch.launcher) return clientCommand([launch.executable, ...args], launch.launcher, env);
  return { file: launch.executable, args, env: { ...process.env, ...env } };
}

export async function launchFirefox(launch: FirefoxLaunch): Promise<RunningFirefox> {
  // puppeteer's own launch adds this pref (single content process, for its input dispatch)
  await createProfile(BrowserKind.FIREFOX, { path: launch.profile, preferences: { ...launch.prefs, 'fission.webContentIsolationStrategy': 0 } });
  const args = [
    ...puppeteer.defaultArgs({ browser: 'firefox', headless: true, userDataDir: launch.profile, args: [SYSTEM_ACCESS] }),
    '--remote-debugging-port=0',
  ];
  const command = browserCommand(launch, args);
  const browserProcess = await startBrowserProcess({
    executable: command.file,
    args: command.args,
    env: command.env,
    ready: /WebDriver BiDi listening on (ws:\/\/\S+)/,
    timeoutMs: LAUNCH_LIMIT_MS,
    what: 'firefox',
  });
  let bridge: ControlBridge | undefined;
  try {
    if (launch.launcher) bridge = await bridgeControlPort(launch.launcher, browserProcess.endpoint, join(launch.workDir, 'bidi.sock'));
    const browser = await puppeteer.connect({
      browserWSEndpoint: `${(bridge?.endpoint ?? browserProcess.endpoint).replace(/\/$/, '')}/session`,
      protocol: 'webDriverBiDi',
      ...(bridge && { headers: { Host: bridge.browserHost } }),
    });
    const opened = bridge;
    return { browser, stop: () => closeFirefox(browser, () => browserProcess.kill()).finally(() => opened?.close()) };
  } catch (error) {
    await browserProcess.kill();
    await bridge?.close();
    throw error;
  }
}

/** a polite close first (it flushes the profile); the process group kill is the guarantee */
async function closeFirefox(browser: Browser, killGroup: () => Promise<void>): Promise<void> {
  await Promise.race([browser.close(), new Promise((resolve) => setTimeout(resolve, 5_000))]).catch(() => undefined);
  await killGroup();
}
