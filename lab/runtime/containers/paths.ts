import { createHash } from 'node:crypto';
import { join } from 'node:path';

const DEFAULT_HOME = '/var/tmp/tlslab-containers';

/**
 * Where the lab keeps podman's state. Storage persists between runs on purpose (built images are
 * the cache, keyed by a hash of their inputs); run state lives under /run so that a reboot clears it,
 * which is how podman notices that containers it remembers are gone.
 */
export interface PodmanPaths {
  /** persistent: image storage, network definitions */
  home: string;
  graphRoot: string;
  networkConfigDir: string;
  /** volatile: storage run root and libpod's tmp dir (must stay the same path between runs) */
  runDir: string;
  runRoot: string;
  libpodTmp: string;
  containersConf: string;
  storageConf: string;
}

export function podmanPaths(env: NodeJS.ProcessEnv = process.env): PodmanPaths {
  const home = env.TLSLAB_CONTAINERS_HOME ?? DEFAULT_HOME;
  // podman's database records the run paths and refuses others: each home gets its own run dir
  const suffix = home === DEFAULT_HOME ? '' : `-${createHash('sha256').update(home).digest('hex').slice(0, 8)}`;
  const runDir = `/run/tlslab-containers${suffix}`;
  return {
    home,
    graphRoot: join(home, 'storage'),
    networkConfigDir: join(home, 'networks'),
    runDir,
    runRoot: join(runDir, 'storage'),
    libpodTmp: join(runDir, 'libpod'),
    containersConf: join(home, 'containers.conf'),
    storageConf: join(home, 'storage.conf'),
  };
}
