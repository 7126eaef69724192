import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ContainerEngine } from './service.ts';
import type { ExecCli } from './exec-cli.ts';
import { endRegisteredProcess, registerProcess } from '../registry/run.ts';

const BUILD_SCRIPT = fileURLToPath(new URL('../../../docker/build.sh', import.meta.url));

export interface BuildResult {
  /** the one image every role starts from (programs come from the host, mounted: host-mounts.ts) */
  image: string;
  durationMs: number;
  /** build.sh's progress lines (whether the image had to be built, and how long it took) */
  log: string;
}

/**
 * Runs docker/build.sh against the lab's engine. The image is keyed by a hash of its inputs, so
 * this is one existence check when nothing changed, and a ~1 s import from empty storage.
 */
export function ensureImage(engine: ContainerEngine, cli: ExecCli, timeoutMs = 120_000): Promise<BuildResult> {
  const started = Date.now();
  const env: NodeJS.ProcessEnv = { ...process.env, ...engine.cliEnv };
  // the lab's own service: the local podman client on the same storage; a given engine: the
  // client that talks to its endpoint
  env.TLSLAB_CONTAINER_CLI = engine.kind === 'podman' ? 'podman' : cli.prefix.join(' ');
  return new Promise((resolve, reject) => {
    // its own group, recorded: a build (podman, tar) must not outlive a lab that died
    const child = spawn('bash', [BUILD_SCRIPT], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const pid = child.pid;
    if (pid !== undefined) registerProcess(pid, { group: true, what: 'docker/build.sh' });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => pid !== undefined && process.kill(-pid, 'SIGTERM'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (pid !== undefined) endRegisteredProcess(pid);
      if (code !== 0) return reject(new Error(`docker/build.sh failed (${signal ?? `exit ${code}`}): ${err.trim().slice(-2000)}`));
      const image = /^base=(\S+)$/m.exec(out)?.[1];
      if (!image) return reject(new Error(`docker/build.sh named no image: ${out.trim()}`));
      resolve({ image, durationMs: Date.now() - started, log: err });
    });
  });
}
