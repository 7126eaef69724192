import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ContainerEngine } from './service.ts';
import { endRegisteredProcess, registerProcess } from '../registry/run.ts';

export const ROLES = ['gateway', 'origin', 'dns', 'client'] as const;
export type Role = (typeof ROLES)[number];
export type RoleImages = Record<Role, string>;

const BUILD_SCRIPT = fileURLToPath(new URL('../../../docker/build.sh', import.meta.url));

export interface BuildResult {
  images: RoleImages;
  durationMs: number;
  /** build.sh's progress lines (which images had to be built, and how long each took) */
  log: string;
}

/**
 * Runs docker/build.sh against the lab's engine. Images are keyed by a hash of their inputs, so
 * this is a few existence checks when nothing changed, and a full build from empty storage.
 */
export function ensureImages(engine: ContainerEngine, timeoutMs = 600_000): Promise<BuildResult> {
  const started = Date.now();
  const env: NodeJS.ProcessEnv = { ...process.env, ...engine.cliEnv };
  env.TLSLAB_CONTAINER_CLI = engine.kind === 'podman' ? 'podman' : 'docker';
  if (engine.kind === 'external') env.DOCKER_HOST = engine.dockerHost;
  return new Promise((resolve, reject) => {
    // its own group, recorded: a build (podman, buildah, tar) must not outlive a lab that died
    const child = spawn('bash', [BUILD_SCRIPT, ...ROLES], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
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
      const images: Partial<RoleImages> = {};
      for (const line of out.split('\n')) {
        const [role, image] = line.trim().split('=', 2);
        if (role && image && (ROLES as readonly string[]).includes(role)) images[role as Role] = image;
      }
      const missing = ROLES.filter((r) => !images[r]);
      if (missing.length > 0) return reject(new Error(`docker/build.sh named no image for: ${missing.join(', ')}`));
      resolve({ images: images as RoleImages, durationMs: Date.now() - started, log: err });
    });
  });
}
