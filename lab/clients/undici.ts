/**
 * undici's fetch (the npm package, v7: the same engine as Node's global fetch), in process (on a
 * launcher lab in a child Node, see node-session.ts).
 * Trust and pins as for the node shim; direct routes through a connector that opens the route's
 * socket and lets undici's own TLS connector run over it, connect routes through ProxyAgent.
 * A fresh dispatcher per visit: no pooled connection or TLS session crosses visits.
 */
import { createRequire } from 'node:module';
import { Agent, buildConnector, fetch, ProxyAgent, type Dispatcher } from 'undici';
import { nodeVerdict, type NodeTrust } from './node-tls.ts';
import { openRoute, proxyUrl } from './route.ts';
import { prepareNodeSession } from './node-session.ts';
import type { ClientShim, Observation, Route, VisitTarget } from './types.ts';

const NAME = 'undici';
const ROUTES: Route['kind'][] = ['direct', 'connect'];
const UNDICI_VERSION = (createRequire(import.meta.url)('undici/package.json') as { version: string }).version;

function dispatcherFor(target: VisitTarget, trust: NodeTrust): Dispatcher {
  const tls = { ca: trust.ca, checkServerIdentity: trust.checkServerIdentity, maxCachedSessions: 0, timeout: target.timeoutMs };
  if (target.route.kind === 'connect') return new ProxyAgent({ uri: proxyUrl(target.route), requestTls: tls });
  const overTls = buildConnector(tls);
  return new Agent({
    connect: (options, callback) => {
      openRoute(target).then(
        (socket) => overTls({ ...options, httpSocket: socket }, callback),
        (error: Error) => callback(error, null),
      );
    },
  });
}

export async function visitWithUndici(target: VisitTarget, trust: NodeTrust): Promise<Omit<Observation, 'durationMs'>> {
  trust.lastVerifiedChain = undefined;
  const dispatcher = dispatcherFor(target, trust);
  try {
    const response = await fetch(target.url, {
      dispatcher,
      redirect: 'manual',
      signal: AbortSignal.timeout(target.timeoutMs),
    });
    await response.arrayBuffer();
    return nodeVerdict(trust, { status: response.status });
  } catch (error) {
    return nodeVerdict(trust, { error });
  } finally {
    await dispatcher.destroy().catch(() => undefined);
  }
}

export function createUndiciShim(): ClientShim {
  return {
    name: 'undici',
    kind: 'library',
    routes: ROUTES,
    pins: true,
    probe: async () => ({ available: true, version: `undici ${UNDICI_VERSION} on node ${process.versions.node}` }),
    launcherSupport: true,
    prepare: (state, workDir, options) => prepareNodeSession({ client: NAME, routes: ROUTES, state, workDir, launcher: options?.launcher, visit: visitWithUndici }),
  };
}
