/** Whether a binary is on this machine, without running it. */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

// root's PATH has the sbin directories, a developer's may not; squid lives in /usr/sbin
const EXTRA_DIRS = ['/usr/sbin', '/sbin', '/usr/local/sbin'];

export function findExecutable(name: string, moreDirs: readonly string[] = [], path = process.env.PATH ?? ''): string | undefined {
  for (const dir of [...path.split(delimiter).filter(Boolean), ...EXTRA_DIRS, ...moreDirs]) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
