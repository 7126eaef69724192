/** Flags and parsers that `tlslab run` and `tlslab detect` share, so both read them the same way. */
import { Command, InvalidArgumentError } from 'commander';
import { loadPlugins, selectDetectors, type Detector } from '../../lab/detectors/index.ts';
import { REPORTERS, type ReporterName } from '../report/write.ts';

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

function reporters(value: string): ReporterName[] {
  const names = list(value);
  const unknown = names.filter((n) => !(REPORTERS as readonly string[]).includes(n));
  if (unknown.length > 0) throw new InvalidArgumentError(`unknown reporter ${unknown.join(', ')}; valid: ${REPORTERS.join(', ')}`);
  return names as ReporterName[];
}

export function timestamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-').replace(/-\d+Z$/, 'Z');
}

export interface DetectorFlags {
  reporter: ReporterName[];
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
    .option('--reporter <list>', `reporters: ${REPORTERS.join(',')}`, reporters, [...REPORTERS])
    .option('--out <dir>', 'where report files go (default ./runs/<timestamp>)')
    .option('--detectors <list>', 'built-in detectors to score: all, none, or names (comma-separated)', 'all')
    .option('--detector-plugin <path...>', 'extra detectors: a module whose default export is a Detector, or an executable', [])
    .option(
      '--baseline <results>',
      'a results.json or report dir from an earlier run; exit 1 on a lost true positive, a gained false positive, or a detector, scenario or cell the baseline has and this run does not',
    )
    .option('--allow-missing-baseline', 'report baseline detectors, scenarios and cells absent from this run instead of failing on them');
}
