/**
 * Routes inside the lab. Networks are internal, so no container has a default route: each gets
 * exactly the routes of the lab's path (clients → router(s) → gateway → origins, and back). The
 * gateway and routers hold NET_ADMIN and set their own; a client or an origin never does: a
 * one-shot helper that shares its network namespace and holds NET_ADMIN sets them and is gone.
 */
import type { StartedTestContainer } from 'testcontainers';
import type { EngineEndpoint } from './engine-api.ts';
import { programMounts } from './host-mounts.ts';
import { runOneShot } from './one-shot.ts';

export interface LabRoute {
  to: string;
  via: string;
}

/** one `sh -c` that adds every route (a route that exists already is an error: nothing is half-set silently) */
export function routeScript(routes: readonly LabRoute[]): string[] {
  return ['/bin/sh', '-c', routes.map((r) => `ip route add ${r.to} via ${r.via}`).join(' && ')];
}

export async function routeFromHelper(endpoint: EngineEndpoint, image: string, container: StartedTestContainer, routes: readonly LabRoute[], labels: Record<string, string>): Promise<void> {
  const [entry, ...cmd] = routeScript(routes);
  await runOneShot(endpoint, {
    image,
    entrypoint: [entry!],
    cmd,
    networkMode: `container:${container.getId()}`,
    capAdd: ['NET_ADMIN'],
    binds: programMounts().map((m) => `${m.source}:${m.target}:ro`),
    labels: { ...labels, 'tlslab.role': 'route-helper' },
  });
}

/** for containers that hold NET_ADMIN themselves (routers) */
export async function routeInPlace(container: StartedTestContainer, routes: readonly LabRoute[]): Promise<void> {
  const r = await container.exec(routeScript(routes));
  if (r.exitCode !== 0) throw new Error(`${container.getName()}: ${routeScript(routes).at(-1)} exited ${r.exitCode}: ${r.output.trim()}`);
}
