/** A scenario's `interception.targets` (a named list or inline names) → the engine's exact-match policy. */
import { targetList } from '../../lab/proxy/targets.ts';
import type { TargetPolicy } from '../../lab/proxy/types.ts';

export function targetPolicyFor(targets: string | readonly string[]): TargetPolicy {
  const names = typeof targets === 'string' ? targetList(targets) : targets;
  return { names: new Set(names.map((n) => n.toLowerCase())) };
}
