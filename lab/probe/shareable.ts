/**
 * The report a person can paste into a bug tracker or a chat: without --include-addresses, no
 * address of theirs, their resolver's answers or the routers near them. Addresses are dropped
 * from their fields and masked inside free text (an error message can quote one).
 */
import type { ProbeReport, SiteResult, TtlPart } from './types.ts';

const IPV4 = /\b(?:\d{1,3}\.){3}\d{1,3}\b/g;
// two or more hex groups with colons: IPv6 in any of its shortened forms (not SHA-256 base64, which has no colon)
const IPV6 = /\b(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}\b/gi;

export function maskAddresses(text: string): string {
  return text.replace(IPV4, '<address>').replace(IPV6, (m) => (/[0-9a-f]/i.test(m) && m.split(':').length >= 3 ? '<address>' : m));
}

export function shareable(report: ProbeReport, includeAddresses: boolean): ProbeReport {
  if (includeAddresses) return { ...report, addresses: true };
  return { ...report, addresses: false, sites: report.sites.map(siteWithout) };
}

function siteWithout(site: SiteResult): SiteResult {
  const { address: _address, ...rest } = site;
  return {
    ...rest,
    ...(rest.detail !== undefined && { detail: maskAddresses(rest.detail) }),
    checks: rest.checks.map((c) => ({ ...c, reason: maskAddresses(c.reason) })),
    ttl: ttlWithout(rest.ttl),
  };
}

function ttlWithout(ttl: TtlPart): TtlPart {
  if ('skipped' in ttl) return { skipped: maskAddresses(ttl.skipped) };
  const strip = (steps: typeof ttl.siteSweep) => steps.map(({ router: _router, ...step }) => step);
  return { ...ttl, siteSweep: strip(ttl.siteSweep), controlSweep: strip(ttl.controlSweep) };
}
