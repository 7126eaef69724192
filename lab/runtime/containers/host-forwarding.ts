import { readFileSync, readdirSync, writeFileSync } from 'node:fs';

/**
 * netavark switches the host's net.ipv4.ip_forward on when it sets up any bridge, internal ones
 * included, and never switches it back. The lab puts it back once no netavark bridge is left, so a
 * host that did not route before the lab does not route after it.
 */
const SYSCTL = '/proc/sys/net/ipv4/ip_forward';

export function readHostForwarding(): string | undefined {
  try {
    return readFileSync(SYSCTL, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function netavarkBridgesLeft(): string[] {
  try {
    return readdirSync('/sys/class/net').filter((name) => /^podman\d+$/.test(name));
  } catch {
    return [];
  }
}

/** Returns what it did, for the log. */
export function restoreHostForwarding(before: string | undefined): string {
  if (before !== '0') return 'unchanged (it was not 0 before the lab)';
  if (readHostForwarding() === '0') return 'unchanged (already 0)';
  const bridges = netavarkBridgesLeft();
  if (bridges.length > 0) return `left on: netavark bridges still up (${bridges.join(', ')})`;
  try {
    writeFileSync(SYSCTL, '0');
    return 'restored to 0';
  } catch (err) {
    return `could not restore: ${(err as Error).message}`;
  }
}
