import { kz2019 } from './kz-2019.ts';
import { mitmproxyLike } from './mitmproxy-like.ts';
import { mockttpLike } from './mockttp-like.ts';
import { modern } from './modern.ts';
import { perHostKey } from './per-host-key.ts';
import type { ForgingProfile } from './types.ts';
import { UserError } from '../../errors.ts';

export const FORGING_PROFILES: Readonly<Record<string, ForgingProfile>> = Object.freeze(
  Object.fromEntries([modern, kz2019, mitmproxyLike, mockttpLike, perHostKey].map((p) => [p.name, p])),
);

export const PROFILE_NAMES = Object.keys(FORGING_PROFILES);

export function getProfile(name: string): ForgingProfile {
  const profile = FORGING_PROFILES[name];
  if (!profile) throw new UserError(`unknown forging profile "${name}"; valid profiles: ${PROFILE_NAMES.join(', ')}`);
  return profile;
}

export type { ForgingProfile, LeafPlan, ProfileInput, ProfileOptions, KeySource } from './types.ts';
export { randomiseSerialTail, KZ_2019_RANDOM_SERIAL_BITS } from './kz-2019.ts';
