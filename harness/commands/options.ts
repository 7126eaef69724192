/** Flags and parsers that `tlslab run` and `tlslab detect` share, so both read them the same way. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { loadPlugins, selectDetectors, type Detector } from '../../lab/detectors/index.ts';
import { langFromEnv, LANGS, type Lang } from '../i18n/lang.ts';
import type { Shard } from '../runner/cell-filter.ts';
import { DEFAULT_REPORTERS, isReporterName, PROGRESS_REPORTERS, REPORTERS, type ReporterName } from '../report/reporters.ts';

export function list(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number ≥ 1');
  return n;
}

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('expected a whole number ≥ 0');
  return n;
}

function reporters(value: string): ReporterName[] {
  const names = list(value);
  const unknown = names.filter((n) => !isReporterName(n));
  if (unknown.length > 0) throw new InvalidArgumentError(`unknown reporter ${unknown.join(', ')}; valid: ${REPORTERS.join(', ')}`);
  const progress = names.filter((n) => (PROGRESS_REPORTERS as readonly string[]).includes(n));
  if (new Set(progress).size > 1) throw new InvalidArgumentError(`${progress.join(' and ')} both show progress; choose one of ${PROGRESS_REPORTERS.join(', ')}`);
  return names as ReporterName[];
}

/** `2/3` → { current: 2, total: 3 } (commander parser: a bad value is a usage error). */
export function parseShard(value: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(value.trim());
  const current = Number(m?.[1]);
  const total = Number(m?.[2]);
  if (!m || total < 1 || current < 1 || current > total) throw new InvalidArgumentError('expected i/n with 1 ≤ i ≤ n, e.g. 2/3');
  return { current, total };
}

/** A --grep pattern as Playwright reads it: a JavaScript regular expression, case-sensitive. */
export function parsePattern(value: string): RegExp {
  try {
    return new RegExp(value);
  } catch (err) {
    throw new InvalidArgumentError(`not a regular expression (${(err as Error).message})`);
  }
}

export function portNumber(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n > 65535) throw new InvalidArgumentError('expected a port number, 0 to 65535');
  return n;
}

export function timestamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-').replace(/-\d+Z$/, 'Z');
}

export interface DetectorFlags {
  reporter: ReporterName[];
  lang: Lang;
  out?: string;
  detectors: string;
  detectorPlugin: string[];
  baseline?: string;
  allowMissingBaseline?: boolean;
}

/** --detectors picks among the built-ins; every --detector-plugin named on the command line runs too. */
export async function chosenDetectors(flags: DetectorFlags): Promise<Detector[]> {
  const plugins = await loadPlugins(flags.detectorPlugin);
  const builtins = flags.detectors.trim() === 'none' ? [] : selectDetectors(flags.detectors, plugins).filter((d) => !plugins.includes(d));
  return [...builtins, ...plugins];
}

export function withReportAndDetectorOptions(command: Command): Command {
  return command
    .option('--reporter <list>', `reporters: ${REPORTERS.join(',')} (one of ${PROGRESS_REPORTERS.join(', ')} at most)`, reporters, [...DEFAULT_REPORTERS])
    .addOption(new Option('--lang <lang>', 'language of the table, progress and HTML report (default: from LC_ALL, LC_MESSAGES or LANG)').choices(LANGS).default(langFromEnv()))
    .option('--out <dir>', 'where report files go (default ./runs/<timestamp>)')
    .option('--detectors <list>', 'built-in detectors to score: all, none, or names (comma-separated)', 'all')
    .option('--detector-plugin <path...>', 'extra detectors: a module whose default export is a Detector, or an executable', [])
    .option(
      '--baseline <results>',
      'a results.json or report dir from an earlier run; exit 1 on a lost true positive, a gained false positive, or a detector, scenario or cell the baseline has and this run does not',
    )
    .option('--allow-missing-baseline', 'report baseline detectors, scenarios and cells absent from this run instead of failing on them');
}
