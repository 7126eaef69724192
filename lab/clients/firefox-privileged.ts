/**
 * Firefox's chrome (parent-process) scope, reached over WebDriver BiDi when Firefox is started with
 * --remote-allow-system-access. It is how the shim reads the verified chain of a loaded page and
 * writes OneCRL entries into cert_storage, which no content API or pref can do.
 */
import type { Browser } from 'puppeteer-core';

interface BidiConnection {
  send(method: string, params: object): Promise<{ result: Record<string, unknown> }>;
}

interface EvaluateResult {
  type: 'success' | 'exception';
  result?: { type: string; value?: unknown };
  exceptionDetails?: { text?: string };
}

function bidi(browser: Browser): BidiConnection {
  // puppeteer's BiDi browser keeps its raw connection here; there is no public handle for it
  const connection = (browser as unknown as { connection?: BidiConnection }).connection;
  if (!connection) throw new Error('puppeteer did not expose its WebDriver BiDi connection');
  return connection;
}

/** runs `expression` in the browser window's chrome scope; it must evaluate to a string */
export async function evaluateInChrome(browser: Browser, expression: string): Promise<string> {
  const connection = bidi(browser);
  const tree = await connection.send('browsingContext.getTree', { 'moz:scope': 'chrome' });
  const contexts = tree.result.contexts as Array<{ context: string }> | undefined;
  const context = contexts?.[0]?.context;
  if (!context) throw new Error('no chrome-scope browsing context (was --remote-allow-system-access passed?)');
  const reply = await connection.send('script.evaluate', {
    target: { context },
    expression,
    awaitPromise: true,
    'moz:scope': 'chrome',
  });
  const outcome = reply.result as unknown as EvaluateResult;
  if (outcome.type === 'exception') throw new Error(`chrome-scope script failed: ${outcome.exceptionDetails?.text ?? 'unknown'}`);
  const value = outcome.result?.value;
  if (typeof value !== 'string') throw new Error(`chrome-scope script returned ${JSON.stringify(outcome.result)}`);
  return value;
}

export type PrefValue = string | number | boolean;

export async function setPrefs(browser: Browser, prefs: Record<string, PrefValue>): Promise<void> {
  const setters = Object.entries(prefs).map(([name, value]) => {
    const setter = typeof value === 'string' ? 'setStringPref' : typeof value === 'number' ? 'setIntPref' : 'setBoolPref';
    return `Services.prefs.${setter}(${JSON.stringify(name)}, ${JSON.stringify(value)});`;
  });
  await evaluateInChrome(browser, `(() => { ${setters.join(' ')} return 'ok'; })()`);
}

export interface LoadedSecurityInfo {
  /** base64 DER, leaf first, ending at the anchor Firefox built to */
  chain: string[];
  builtInRoot: boolean;
}

/** the security info of the top-level document in the BiDi browsing context `contextId` */
export async function loadedSecurityInfo(browser: Browser, contextId: string): Promise<LoadedSecurityInfo | undefined> {
  const json = await evaluateInChrome(browser, `(() => {
    const { NavigableManager } = ChromeUtils.importESModule('chrome://remote/content/shared/NavigableManager.sys.mjs');
    const context = NavigableManager.getBrowsingContextById(${JSON.stringify(contextId)});
    // the window global's own securityInfo is empty here; the tab's <browser> element holds it
    const info = context?.top?.embedderElement?.securityUI?.secInfo;
    if (!info || !info.succeededCertChain) return 'null';
    return JSON.stringify({
      chain: info.succeededCertChain.map((cert) => cert.getBase64DERString()),
      builtInRoot: info.isBuiltCertChainRootBuiltInRoot,
    });
  })()`);
  return JSON.parse(json) as LoadedSecurityInfo | undefined ?? undefined;
}
