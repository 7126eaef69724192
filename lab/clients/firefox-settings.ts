/**
 * Firefox prefs for one trust set-up: loopback-only networking, no automation shortcuts that would
 * hide a verdict, and the scenario's knobs (pinning level, MITM detector).
 *
 * Scenario settings (top level, or under a `firefox` key):
 *   pinningLevel          security.cert_pinning.enforcement_level (1 = default, 2 = strict)
 *   mitmPrimingEndpoint   URL Firefox probes after an unknown-issuer error to learn the MITM's issuer
 *   mitmCanaryIssuer      the issuer DN it would have learned, set directly (NSS order: "CN=…,C=KZ")
 *   prefs                 any other prefs, applied last
 */
import type { TrustState } from './types.ts';
import type { PrefValue } from './firefox-privileged.ts';

export interface FirefoxSettings {
  pinningLevel?: number;
  mitmPrimingEndpoint?: string;
  mitmCanaryIssuer?: string;
  prefs?: Record<string, PrefValue>;
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : {};
}

export function firefoxSettings(state: TrustState): FirefoxSettings {
  const merged = { ...asRecord(state.settings), ...asRecord(asRecord(state.settings).firefox) };
  const settings: FirefoxSettings = {};
  if (typeof merged.pinningLevel === 'number') settings.pinningLevel = merged.pinningLevel;
  if (typeof merged.mitmPrimingEndpoint === 'string') settings.mitmPrimingEndpoint = merged.mitmPrimingEndpoint;
  if (typeof merged.mitmCanaryIssuer === 'string') settings.mitmCanaryIssuer = merged.mitmCanaryIssuer;
  const prefs = asRecord(merged.prefs);
  const validPrefs = Object.entries(prefs).filter((entry): entry is [string, PrefValue] => ['string', 'number', 'boolean'].includes(typeof entry[1]));
  if (validPrefs.length) settings.prefs = Object.fromEntries(validPrefs);
  return settings;
}

/**
 * Mozilla services Firefox keeps calling under automation (seen at the lab's proxy: hundreds of
 * firefox.settings.services.mozilla.com handshakes per run; ESR ignores a Remote Settings server
 * override). Not proxied, they resolve to the proxy's own loopback address (network.dns.forceResolve),
 * where nothing listens on their ports, and die there.
 * The MITM priming endpoint is deliberately not in this list.
 */
export const FIREFOX_BACKGROUND_HOSTS = [
  'firefox.settings.services.mozilla.com',
  'content-signature-2.cdn.mozilla.net',
  'push.services.mozilla.com',
  'aus5.mozilla.org',
  'incoming.telemetry.mozilla.org',
  'detectportal.firefox.com',
  'shavar.services.mozilla.com',
];

/** nothing answers on port 9: until a visit names its proxy, any request dies on loopback */
export const DEAD_PROXY = { host: '127.0.0.1', port: 9 };

export function proxyPrefs(proxy: { host: string; port: number }): Record<string, PrefValue> {
  return {
    'network.proxy.type': 1,
    'network.proxy.ssl': proxy.host,
    'network.proxy.ssl_port': proxy.port,
    'network.proxy.http': proxy.host,
    'network.proxy.http_port': proxy.port,
    'network.proxy.no_proxies_on': FIREFOX_BACKGROUND_HOSTS.join(', '),
    'network.proxy.allow_hijacking_localhost': true,
    'network.proxy.share_proxy_settings': false,
    // forceResolve answers every lookup, the proxy's IP literal included: it must name the proxy
    // itself, or Firefox dials 127.0.0.1 instead of the lane's own door (measured: it did)
    'network.dns.forceResolve': proxy.host,
  };
}

/**
 * Where a lab's DNS resolves every site to its direct route (ClientLauncher.resolvesSiteNames):
 * no proxy and the system resolver, with Mozilla's background services still kept on loopback.
 */
export function byNamePrefs(): Record<string, PrefValue> {
  return {
    'network.proxy.type': 0,
    'network.dns.forceResolve': '',
    'network.dns.localDomains': FIREFOX_BACKGROUND_HOSTS.join(', '),
  };
}

export function launchPrefs(settings: FirefoxSettings): Record<string, PrefValue> {
  const prefs: Record<string, PrefValue> = {
    // Firefox has no per-name DNS map; every lookup it still makes stays on loopback
    ...proxyPrefs(DEAD_PROXY),
    'network.trr.mode': 5,
    'network.captive-portal-service.enabled': false,
    'network.connectivity-service.enabled': false,
    'security.OCSP.enabled': 0,
    'security.enterprise_roots.enabled': false,
    'security.certerrors.mitm.auto_enable_enterprise_roots': false,
    'security.certerrors.mitm.priming.enabled': false,
    'browser.safebrowsing.malware.enabled': false,
    'browser.safebrowsing.phishing.enabled': false,
    'services.settings.server': 'http://127.0.0.1:9/v1',
  };
  if (settings.pinningLevel !== undefined) prefs['security.cert_pinning.enforcement_level'] = settings.pinningLevel;
  if (settings.mitmPrimingEndpoint) {
    prefs['security.certerrors.mitm.priming.enabled'] = true;
    prefs['security.certerrors.mitm.priming.endpoint'] = settings.mitmPrimingEndpoint;
  }
  if (settings.mitmCanaryIssuer) prefs['security.pki.mitm_canary_issuer'] = settings.mitmCanaryIssuer;
  return { ...prefs, ...settings.prefs };
}
