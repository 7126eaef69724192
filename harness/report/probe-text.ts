/**
 * `tlslab probe` for a person: each site and the overall verdict in plain words, then what to do
 * next (which browsers refuse the root, how to remove it on each system), in en, ru or kk. The
 * words live in the catalogues (harness/i18n/catalogues); this only chooses and orders them.
 */
import type { ProbeReport, SiteResult, TtlPart } from '../../lab/probe/types.ts';
import type { Translator } from '../i18n/translate.ts';

/** "C=KZ, CN=Qaznet Trust Network" → "Qaznet Trust Network": the name a person recognises */
export function shortName(dn: string): string {
  return /(?:^|,\s*)CN=([^,]+)/.exec(dn)?.[1]?.trim() ?? dn;
}

function siteLine(r: SiteResult, tr: Translator): string {
  const by = shortName(r.by ?? '?');
  const line =
    r.verdict === 'intercepted'
      ? r.hop !== undefined
        ? tr.t('probe.site.interceptedAtHop', { site: r.site, hop: r.hop, by })
        : tr.t('probe.site.intercepted', { site: r.site, by })
      : r.verdict === 'not-intercepted'
        ? tr.t('probe.site.notIntercepted', { site: r.site })
        : r.why === 'incomplete-chain'
          ? tr.t('probe.site.incompleteChain', { site: r.site, by: shortName(r.chain?.topIssuer ?? '?') })
          : tr.t('probe.site.unreachable', { site: r.site, detail: r.detail ?? '?' });
  return r.role === 'control' ? `${line} ${tr.t('probe.site.control')}` : line;
}

function ttlReason(ttl: TtlPart | undefined, tr: Translator): string {
  if (!ttl) return tr.t('probe.ttl.notFound');
  if (!('skipped' in ttl)) return tr.t('probe.ttl.notFound');
  if (/raw ICMP socket/.test(ttl.skipped)) return tr.t('probe.ttl.noRoot');
  if (/--no-ttl/.test(ttl.skipped)) return tr.t('probe.ttl.off');
  if (/through a proxy/.test(ttl.skipped)) return tr.t('probe.ttl.proxy');
  if (/loopback/.test(ttl.skipped)) return tr.t('probe.ttl.loopback');
  return tr.t('probe.ttl.other', { reason: ttl.skipped });
}

export function renderProbe(report: ProbeReport, tr: Translator, elapsedMs: number): string {
  const out: string[] = [tr.t('probe.title', { count: report.sites.length, time: tr.seconds(elapsedMs) }), ''];
  for (const r of report.sites) out.push(`  ${siteLine(r, tr)}`);
  out.push('');
  const { overall } = report;
  const intercepted = report.sites.filter((r) => r.verdict === 'intercepted');
  if (overall.verdict === 'intercepted') {
    out.push(tr.t('probe.overall.intercepted', { by: overall.by.map(shortName).join(', ') || '?' }));
    out.push(overall.hops.length > 0 ? tr.t('probe.overall.where', { hops: overall.hops.join(', ') }) : tr.t('probe.overall.notLocalised', { reason: ttlReason(intercepted[0]?.ttl, tr) }));
    if (report.sites.some((r) => r.role === 'control' && r.verdict === 'intercepted')) out.push(tr.t('probe.overall.everything'));
  } else {
    out.push(tr.t(overall.verdict === 'not-intercepted' ? 'probe.overall.notIntercepted' : 'probe.overall.inconclusive'));
  }
  out.push('', `${tr.t('probe.next.title')}:`);
  for (const line of nextSteps(report, tr)) out.push(`  - ${line}`);
  return out.join('\n') + '\n';
}

export function nextSteps(report: ProbeReport, tr: Translator): string[] {
  const { overall } = report;
  if (overall.verdict === 'not-intercepted') return [tr.t('probe.next.clean')];
  if (overall.verdict === 'inconclusive') return [tr.t('probe.next.inconclusive')];
  const steps = [tr.t('probe.next.dontInstall')];
  if (overall.campaigns.includes('qaznet-2019')) steps.push(tr.t('probe.next.qaznet'));
  if (overall.campaigns.some((c) => c.startsWith('isca'))) steps.push(tr.t('probe.next.isca'));
  if (overall.campaigns.length === 0) steps.push(tr.t('probe.next.unknown'));
  steps.push(
    tr.t('probe.next.android'),
    tr.t('probe.next.windows', { command: 'certmgr.msc', machine: 'certlm.msc' }),
    tr.t('probe.next.macos'),
    tr.t('probe.next.linux', { dir: '/usr/local/share/ca-certificates', command: 'sudo update-ca-certificates --fresh' }),
    tr.t('probe.next.firefox'),
    tr.t('probe.next.meanwhile'),
  );
  return steps;
}
