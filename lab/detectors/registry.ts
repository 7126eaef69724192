/**
 * The built-in detectors by name, and picking a set from a `--detectors all|a,b` style spec.
 */
import { chainAnchorDetector, type ChainAnchorOptions } from './builtin/chain-anchor.ts';
import { crossVantageDetector } from './builtin/cross-vantage.ts';
import { knownInterceptionDetector, type KnownInterceptionOptions } from './builtin/known-interception.ts';
import { tellsDetector } from './builtin/tells.ts';
import { ttlHopDetector } from './builtin/ttl-hop.ts';
import { uaVsClientHelloDetector, type UaVsClientHelloOptions } from './builtin/ua-vs-clienthello.ts';
import type { Detector } from './types.ts';
import { UserError } from '../errors.ts';

export interface BuiltinOptions {
  chainAnchor?: ChainAnchorOptions;
  knownInterception?: KnownInterceptionOptions;
  uaVsClientHello?: UaVsClientHelloOptions;
}

export const BUILTIN_DETECTOR_NAMES = [
  'chain-anchor',
  'known-interception',
  'cross-vantage',
  'ua-vs-clienthello',
  'tells',
  'ttl-hop',
] as const;

export function builtinDetectors(options: BuiltinOptions = {}): Detector[] {
  return [
    chainAnchorDetector(options.chainAnchor),
    knownInterceptionDetector(options.knownInterception),
    crossVantageDetector(),
    uaVsClientHelloDetector(options.uaVsClientHello),
    tellsDetector(),
    ttlHopDetector(),
  ];
}

/**
 * `spec` is "all" or comma-separated names; plug-ins join the built-ins and may not reuse a name.
 * Unknown names are a user error that lists what is available.
 */
export function selectDetectors(spec: string, plugins: readonly Detector[] = [], options: BuiltinOptions = {}): Detector[] {
  const available = [...builtinDetectors(options), ...plugins];
  const byName = new Map<string, Detector>();
  for (const detector of available) {
    if (byName.has(detector.name)) {
      throw new UserError(`two detectors are named "${detector.name}"; rename the plug-in`);
    }
    byName.set(detector.name, detector);
  }
  const valid = [...byName.keys()].join(', ');
  const wanted = spec.trim();
  if (wanted === 'all') return available;
  const names = wanted.split(',').map((name) => name.trim()).filter((name) => name.length > 0);
  if (names.length === 0) throw new UserError(`no detector named in "${spec}"; valid: all, ${valid}`);
  const unknown = names.filter((name) => !byName.has(name));
  if (unknown.length > 0) {
    throw new UserError(`unknown detector${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')}; valid: all, ${valid}`);
  }
  return [...new Set(names)].map((name) => byName.get(name)!);
}
