import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, closeSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { callEngine, endpointFromDockerHost, type EngineEndpoint } from './engine-api.ts';
import { findExecutable } from '../find-executable.ts';
import { SYSTEM_PYTHON } from './client-launcher.ts';
import { podmanPaths, type PodmanPaths } from './paths.ts';
import { writePodmanConfig } from './podman-config.ts';

/** A Docker-compatible API the lab can drive: podman's service that the lab started, or a given one. */
export interface ContainerEngine {
  dockerHost: string;
  endpoint: EngineEndpoint;
  /** 'podman' when the lab started it (and must stop it), 'external' for a given $DOCKER_HOST */
  kind: 'podman' | 'external';
  /** environment for podman/buildah CLI calls on the same storage (empty for external engines) */
  cliEnv: Record<string, string>;
  /** the service's process id and run dir, when the lab owns them */
  servicePid?: number;
  serviceDir?: string;
  paths?: PodmanPaths;
}

export interface Availability {
  available: boolean;
  reason?: string;
}

function podmanVersion(): string | undefined {
  const r = spawnSync('podman', ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Cheap checks only (no service start): what `--runtime containers` would need. */
export function probeContainerEngine(env: NodeJS.ProcessEnv = process.env): Availability {
  // the client containers' agent and its host-side relay (client-launcher.ts)
  if (!existsSync(SYSTEM_PYTHON)) return { available: false, reason: `${SYSTEM_PYTHON} is missing (it starts clients in the lab's containers): apt-get install python3` };
  if (env.DOCKER_HOST) {
    // the image is imported with the engine's own client (docker, or podman's remote client)
    if (!findExecutable('docker', [], env.PATH) && !findExecutable('podman', [], env.PATH)) return { available: false, reason: 'DOCKER_HOST is set, but neither the docker nor the podman client is on PATH (the lab imports its image with one)' };
    return { available: true };
  }
  if (!podmanVersion()) return { available: false, reason: 'podman is not installed (apt-get install podman runc netavark aardvark-dns) and DOCKER_HOST is not set' };
  if (process.getuid?.() !== 0) return { available: false, reason: 'the lab drives podman as root only (rootless podman is untested here)' };
  const runc = spawnSync('runc', ['--version'], { encoding: 'utf8', timeout: 10_000 });
  if (runc.status !== 0) return { available: false, reason: 'runc is not installed (crun refuses hybrid cgroups here): apt-get install runc' };
  const netavark = spawnSync('sh', ['-c', 'test -x /usr/lib/podman/netavark && test -x /usr/lib/podman/aardvark-dns'], { timeout: 10_000 });
  if (netavark.status !== 0) return { available: false, reason: 'netavark/aardvark-dns are not installed: apt-get install netavark aardvark-dns' };
  return { available: true };
}

async function pingUntil(endpoint: EngineEndpoint, deadline: number, exited: () => string | undefined): Promise<void> {
  let lastError = 'no answer';
  while (Date.now() < deadline) {
    const why = exited();
    if (why) throw new Error(`podman service exited during start-up: ${why}`);
    try {
      const res = await callEngine(endpoint, 'GET', '/_ping', 2_000);
      if (res.status === 200) return;
      lastError = `HTTP ${res.status}`;
    } catch (err) {
      lastError = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`podman service did not answer /_ping in time (${lastError})`);
}

/** what a caller must record the instant the service exists, before it answers (a crash may come first) */
export interface SpawnedService {
  pid: number;
  dockerHost: string;
  serviceDir: string;
}

/**
 * Uses $DOCKER_HOST when set; otherwise starts `podman system service` on a unix socket in a
 * lab-owned temp dir, with the lab's containers.conf/storage.conf, and waits until it answers.
 */
export async function startContainerEngine(
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv; onSpawned?: (service: SpawnedService) => void } = {},
): Promise<ContainerEngine> {
  const env = options.env ?? process.env;
  if (env.DOCKER_HOST) {
    const endpoint = endpointFromDockerHost(env.DOCKER_HOST);
    await pingUntil(endpoint, Date.now() + (options.timeoutMs ?? 10_000), () => undefined);
    return { dockerHost: env.DOCKER_HOST, endpoint, kind: 'external', cliEnv: {} };
  }
  const probe = probeContainerEngine(env);
  if (!probe.available) throw new Error(probe.reason);
  const paths = podmanPaths(env);
  const cliEnv = writePodmanConfig(paths);
  const serviceDir = mkdtempSync(join(tmpdir(), 'tlslab-podman-'));
  const socketPath = join(serviceDir, 'podman.sock');
  const logFd = openSync(join(serviceDir, 'service.log'), 'a');
  // its own process group: a Ctrl-C to the lab must not kill the engine before the lab has cleaned up
  const child = spawn('podman', ['system', 'service', '--time=0', `unix://${socketPath}`], {
    env: { ...env, ...cliEnv },
    stdio: ['ignore', logFd, logFd],
    detached: true,
  });
  closeSync(logFd);
  child.unref();
  if (child.pid !== undefined) options.onSpawned?.({ pid: child.pid, dockerHost: `unix://${socketPath}`, serviceDir });
  let exitWhy: string | undefined;
  child.on('exit', (code, signal) => (exitWhy = `code ${code} signal ${signal}`));
  child.on('error', (err) => (exitWhy = err.message));
  const endpoint = { socketPath };
  try {
    await pingUntil(endpoint, Date.now() + (options.timeoutMs ?? 60_000), () =>
      exitWhy ? `${exitWhy}; log: ${readFileSync(join(serviceDir, 'service.log'), 'utf8').slice(-500)}` : undefined,
    );
  } catch (err) {
    if (child.pid && !exitWhy) process.kill(child.pid, 'SIGTERM');
    rmSync(serviceDir, { recursive: true, force: true });
    throw err;
  }
  return {
    dockerHost: `unix://${socketPath}`,
    endpoint,
    kind: 'podman',
    cliEnv,
    ...(child.pid !== undefined ? { servicePid: child.pid } : {}),
    serviceDir,
    paths,
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops a service the lab started (bounded: TERM, then KILL after 5 s) and removes its run dir. */
export async function stopContainerEngine(engine: ContainerEngine): Promise<void> {
  if (engine.kind !== 'podman') return;
  const pid = engine.servicePid;
  if (pid !== undefined && alive(pid)) {
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + 5_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
  if (engine.serviceDir) rmSync(engine.serviceDir, { recursive: true, force: true });
}
