/**
 * `tlslab probe`: "is my connection intercepted?" from the person's own network (lab/probe does
 * the work; harness/report/probe-text.ts says it in their language). Read-only: one TLS handshake
 * per site, no HTTP request, no trust change, nothing sent anywhere but the probed sites (and the
 * --via proxy when given). Exit codes: 0 not intercepted, 1 intercepted, 3 inconclusive, 2 usage.
 */
import { Option, type Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { UserError } from '../errors.ts';
import { langFromEnv, LANGS, type Lang } from '../i18n/lang.ts';
import { translator } from '../i18n/translate.ts';
import { renderProbe } from '../report/probe-text.ts';
import { probeAll } from '../../lab/probe/probe.ts';
import { shareable } from '../../lab/probe/shareable.ts';
import { DEFAULT_CONTROLS, probeSites } from '../../lab/probe/sites.ts';
import { list, positiveInt } from './options.ts';

interface ProbeFlags {
  sites: string;
  controls: string[];
  lang: Lang;
  json?: string;
  includeAddresses?: boolean;
  via?: string;
  ttl: boolean;
  maxTtl: number;
  timeout: number;
  concurrency: number;
  port: number;
}

export const PROBE_EXIT = { 'not-intercepted': 0, intercepted: 1, inconclusive: 3 } as const;

function parseVia(value: string | undefined): { host: string; port: number } | undefined {
  if (value === undefined) return undefined;
  const m = /^(?:\[([0-9a-f:]+)\]|([^:\s]+)):(\d{1,5})$/i.exec(value);
  const port = Number(m?.[3]);
  if (!m || port < 1 || port > 65_535) throw new UserError(`--via ${value}: expected HOST:PORT of an HTTP CONNECT proxy`);
  return { host: (m[1] ?? m[2])!, port };
}

async function probeCommand(flags: ProbeFlags): Promise<void> {
  const sites = probeSites(flags.sites, flags.controls);
  const via = parseVia(flags.via);
  const tr = translator(flags.lang);
  const started = performance.now();
  const timeoutMs = flags.timeout * 1000;
  const report = await probeAll(
    sites,
    {
      targetFor: (site) => ({ site, url: `https://${site}${flags.port === 443 ? '' : `:${flags.port}`}/`, route: { kind: 'direct', host: site, port: flags.port }, timeoutMs }),
      publicAnchorsPem: [],
      ...(via && { via }),
      ttl: flags.ttl,
      maxTtl: flags.maxTtl,
      ttlTimeoutS: 1.5,
    },
    flags.concurrency,
  );
  process.stdout.write(renderProbe(report, tr, performance.now() - started));
  if (flags.json) {
    const kept = shareable(report, flags.includeAddresses === true);
    try {
      writeFileSync(flags.json, JSON.stringify(kept, null, 2) + '\n', { mode: 0o600 });
    } catch (err) {
      throw new UserError(`--json ${flags.json}: cannot write it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    process.stdout.write(`\n${tr.t('probe.json.written', { file: flags.json, addresses: tr.t(kept.addresses ? 'probe.json.withAddresses' : 'probe.json.noAddresses') })}\n`);
  }
  process.exitCode = PROBE_EXIT[report.overall.verdict];
}

export function registerProbeCommand(program: Command): void {
  program
    .command('probe')
    .description('is my connection intercepted? checks campaign targets and control sites from this network (read-only)')
    .option('--sites <spec>', 'kz-2019, kz-2020, ooni-2021-2024, a file (one name a line) or comma-separated names', 'kz-2019')
    .option('--controls <list>', 'control sites, on no list (comma-separated; "" for none)', list, [...DEFAULT_CONTROLS])
    .addOption(new Option('--lang <lang>', 'language of the verdict (default: from LC_ALL, LC_MESSAGES or LANG)').choices(LANGS).default(langFromEnv()))
    .option('--json <file>', 'also write the report as JSON (shareable: no local addresses)')
    .option('--include-addresses', 'keep addresses (sites, routers on the path) in the JSON')
    .option('--via <host:port>', 'a second path: an HTTP CONNECT proxy that reaches the sites another way (cross-vantage)')
    .option('--no-ttl', 'skip the TTL localisation (it runs only as root)')
    .option('--max-ttl <n>', 'the TTL sweep stops here', positiveInt, 30)
    .option('--timeout <seconds>', 'per-site handshake timeout', positiveInt, 10)
    .option('--concurrency <n>', 'sites probed at once', positiveInt, 6)
    .option('--port <n>', 'the sites\' TLS port', positiveInt, 443)
    .action(async (flags: ProbeFlags) => probeCommand(flags));
}
