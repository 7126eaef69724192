/**
 * Which way the lab can seal itself on this machine: as root (a private mount + network
 * namespace), rootless (a user namespace maps us to root, netns.md "Extra A"), or not at all.
 */
import { runCommand } from './process.ts';

export type HolderMode = 'root' | 'rootless';

export type PrivilegeCheck =
  | { available: true; mode: HolderMode }
  | { available: false; reason: string };

const REQUIRED_TOOLS = ['ip', 'nft', 'setpriv', 'unshare', 'nsenter', 'mount'];

let cached: Promise<PrivilegeCheck> | undefined;

export function checkPrivileges(): Promise<PrivilegeCheck> {
  cached ??= detect();
  return cached;
}

async function detect(): Promise<PrivilegeCheck> {
  const missing: string[] = [];
  for (const tool of REQUIRED_TOOLS) {
    const r = await runCommand(['sh', '-c', `command -v ${tool}`]).catch(() => undefined);
    if (!r || r.code !== 0) missing.push(tool);
  }
  if (missing.length > 0) {
    return { available: false, reason: `netns runtime needs ${missing.join(', ')} (apt-get install iproute2 nftables util-linux)` };
  }
  if (process.getuid?.() === 0) return { available: true, mode: 'root' };
  const probe = await runCommand(['unshare', '--user', '--map-root-user', '--mount', '--net', 'true']).catch(
    (err: Error) => ({ code: 1, stderr: err.message }),
  );
  if (probe.code === 0) return { available: true, mode: 'rootless' };
  return {
    available: false,
    reason:
      'netns runtime needs root or unprivileged user namespaces; neither is available ' +
      `(unshare -Urmn: ${probe.stderr.trim() || 'failed'}). Check sysctl user.max_user_namespaces ` +
      'and kernel.apparmor_restrict_unprivileged_userns, or use the loopback runtime.',
  };
}
