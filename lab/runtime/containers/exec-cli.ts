/**
 * The engine's command-line client (docker/build.sh imports the lab's image with it): the one that
 * matches the engine at the endpoint. podman's service is driven with the remote podman client, a
 * Docker engine with the docker client; $TLSLAB_CONTAINER_CLI picks either (podman's service also
 * speaks Docker's API, which is how the docker path is tested on a podman-only machine).
 */
import { callEngine } from './engine-api.ts';
import { findExecutable } from '../find-executable.ts';
import type { ContainerEngine } from './service.ts';

export interface ExecCli {
  name: 'podman' | 'docker';
  /** argv before the subcommand: the absolute binary and the endpoint */
  prefix: string[];
}

/** what the endpoint says it is: podman's service names itself "Podman Engine" in /version */
export async function engineProduct(engine: ContainerEngine): Promise<'podman' | 'docker'> {
  if (engine.kind === 'podman') return 'podman';
  const res = await callEngine(engine.endpoint, 'GET', '/version', 10_000);
  if (res.status >= 300) throw new Error(`engine API GET /version: HTTP ${res.status} ${res.body.trim()}`);
  const version = JSON.parse(res.body) as { Components?: { Name?: string }[] };
  return version.Components?.some((c) => /podman/i.test(c.Name ?? '')) ? 'podman' : 'docker';
}

export function cliArgv(name: ExecCli['name'], binary: string, dockerHost: string): string[] {
  return name === 'podman' ? [binary, '--remote', '--url', dockerHost] : [binary, '-H', dockerHost];
}

export async function execCliFor(engine: ContainerEngine, env: NodeJS.ProcessEnv = process.env): Promise<ExecCli> {
  const asked = env.TLSLAB_CONTAINER_CLI;
  if (asked !== undefined && asked !== 'podman' && asked !== 'docker') throw new Error(`TLSLAB_CONTAINER_CLI must be podman or docker, not ${JSON.stringify(asked)}`);
  const name = asked ?? (await engineProduct(engine));
  const binary = findExecutable(name, [], env.PATH);
  if (!binary) {
    const hint = name === 'podman' ? 'apt-get install podman' : 'install the docker client (docker-ce-cli, or docker.io)';
    throw new Error(`the containers runtime builds its image with the ${name} client against ${engine.dockerHost}, and ${name} is not on PATH: ${hint}`);
  }
  return { name, prefix: cliArgv(name, binary, engine.dockerHost) };
}
