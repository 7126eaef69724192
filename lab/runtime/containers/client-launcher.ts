/**
 * How a shim's process starts inside a client container. The engine's own exec (`podman exec`,
 * `docker exec`) costs 120–490 ms per process here (conmon and runc for every start) and leaves
 * the process running when its client is killed. Instead the container's main process is an
 * agent (client-agent.py) that starts processes in the container on request over a unix socket
 * in the lab's shared dir, and the harness starts a small relay (agent-relay.py, ~10 ms) in their
 * place: stdin, stdout, stderr and the exit code pass through, and when the relay dies, however it
 * dies, the agent kills the process's whole group inside the container. The process gets exactly
 * the environment the shim gives (plus PATH, and a lab HOME unless it names one).
 */
import { fileURLToPath } from 'node:url';
import type { ClientLauncher } from '../../clients/types.ts';
import { PDEATHSIG } from '../netns/process.ts';

/** PATH inside a client container: the host's own directories (its /usr is mounted there) */
export const CLIENT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** Debian's interpreter, not whatever PATH finds first (a pyenv shim costs 150 ms per start); the container sees the same one */
export const SYSTEM_PYTHON = '/usr/bin/python3';
export const CLIENT_AGENT = fileURLToPath(new URL('./client-agent.py', import.meta.url));
const RELAY = fileURLToPath(new URL('./agent-relay.py', import.meta.url));

export interface ContainerLauncherOptions {
  /** the agent's socket (in a dir the container mounts at the same path) */
  agentSocket: string;
  /** a host directory the container mounts at the same path */
  sharedDir: string;
  /** HOME when the shim names none */
  home: string;
  where: string;
}

/** argv of a client container's main process: the agent, serving `socket` */
export function agentArgv(socket: string): string[] {
  return [SYSTEM_PYTHON, '-I', '-S', CLIENT_AGENT, socket];
}

export function containerLauncher(o: ContainerLauncherOptions): ClientLauncher {
  return {
    where: o.where,
    // the lab DNS answers every site with its origin's address, and the gateway is on the way there
    resolvesSiteNames: true,
    sharedDir: o.sharedDir,
    wrap(argv, env) {
      const request = { argv: [...argv], env: { PATH: CLIENT_PATH, HOME: o.home, ...env } };
      return [...PDEATHSIG, SYSTEM_PYTHON, '-I', '-S', RELAY, o.agentSocket, JSON.stringify(request)];
    },
  };
}
