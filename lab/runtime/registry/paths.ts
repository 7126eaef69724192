/**
 * Where runs are recorded. Root uses /run (volatile like the pids it records, and the same whatever
 * $TMPDIR a run had, so `tlslab gc` finds every run); others use $XDG_RUNTIME_DIR or a per-user
 * dir under the temp dir. $TLSLAB_REGISTRY_DIR overrides it (tests keep their runs apart with it).
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT_REGISTRY = '/run/tlslab/runs';

export function registryDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TLSLAB_REGISTRY_DIR) return env.TLSLAB_REGISTRY_DIR;
  if (process.getuid?.() === 0) return ROOT_REGISTRY;
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, 'tlslab', 'runs');
  return join(tmpdir(), `tlslab-runs-${process.getuid?.() ?? 'user'}`);
}

/**
 * Sysctls are machine-wide, so their holds are too: whatever registry a run uses, every run on this
 * machine counts in the same place (only root changes sysctls).
 */
export function sysctlHoldDir(): string {
  return process.getuid?.() === 0 ? '/run/tlslab/sysctl-holds' : join(registryDir(), 'sysctl-holds');
}
