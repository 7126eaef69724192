/**
 * Node's own TLS + HTTP stack (node:tls, node:http), in process (on a launcher lab in a child
 * Node, see node-session.ts): anchors as `ca`, pins via checkServerIdentity, routes applied by
 * opening the socket ourselves (TCP to the route's host, or through a CONNECT tunnel) with the
 * site as SNI and Host. Verdict = the error's `.code`.
 */
import { request as httpRequest } from 'node:http';
import type { Socket } from 'node:net';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import { nodeVerdict, tlsOptions, type NodeTrust } from './node-tls.ts';
import { openRoute } from './route.ts';
import { prepareNodeSession } from './node-session.ts';
import type { ClientShim, Observation, Route, VisitTarget } from './types.ts';

const NAME = 'node';
const ROUTES: Route['kind'][] = ['direct', 'connect'];

/** Resolves once the handshake (and the identity and pin check) succeeded. */
function handshake(tls: TLSSocket): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    tls.once('secureConnect', () => {
      tls.off('error', reject);
      resolve(tls);
    });
    tls.once('error', reject);
  });
}

function get(target: VisitTarget, tls: TLSSocket): Promise<number> {
  return new Promise((resolve, reject) => {
    const url = new URL(target.url);
    const request = httpRequest({
      host: target.site,
      path: `${url.pathname}${url.search}`,
      // no User-Agent: node:https sends none of its own, and detectors judge what the real client sends
      headers: { host: url.host, connection: 'close' },
      createConnection: () => tls,
    }, (response) => {
      response.resume();
      response.once('end', () => resolve(response.statusCode ?? 0));
      response.once('error', reject);
    });
    request.once('error', reject);
    request.end();
  });
}

export async function visitWithNode(target: VisitTarget, trust: NodeTrust): Promise<Omit<Observation, 'durationMs'>> {
  trust.lastVerifiedChain = undefined;
  // Everything opened for this visit, so nothing outlives it, even a socket that connects late.
  const opened: Socket[] = [];
  let finished = false;
  const track = <T extends Socket>(socket: T): T => {
    opened.push(socket);
    if (finished) socket.destroy();
    return socket;
  };
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('visit timed out'), { code: 'timeout' })), target.timeoutMs);
  });
  const work = (async () => {
    const socket = track(await openRoute(target));
    const tls = track(connectTls({ socket, ...tlsOptions(trust, target.site) }));
    return get(target, await handshake(tls));
  })();
  work.catch(() => undefined); // after a timeout nobody awaits it any more
  try {
    return nodeVerdict(trust, { status: await Promise.race([work, deadline]) });
  } catch (error) {
    return nodeVerdict(trust, { error });
  } finally {
    finished = true;
    clearTimeout(timer);
    for (const socket of opened) socket.destroy();
  }
}

export function createNodeShim(): ClientShim {
  return {
    name: 'node',
    kind: 'library',
    routes: ROUTES,
    pins: true,
    probe: async () => ({ available: true, version: `node ${process.versions.node} (OpenSSL ${process.versions.openssl})` }),
    launcherSupport: true,
    prepare: (state, workDir, options) => prepareNodeSession({ client: NAME, routes: ROUTES, state, workDir, launcher: options?.launcher, visit: visitWithNode }),
  };
}
