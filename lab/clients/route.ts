/** Opening a TCP path to a site over a harness Route, for the in-process clients and the probe. */
import { connect as connectTcp, type Socket } from 'node:net';
import type { ClientLauncher, Route, VisitTarget } from './types.ts';

export function urlPort(url: string): number {
  const parsed = new URL(url);
  return parsed.port ? Number(parsed.port) : 443;
}

/** host:port as an HTTP authority (brackets for IPv6 literals). */
export function authority(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export function proxyUrl(route: Route): string {
  return `http://${authority(route.host, route.port)}`;
}

export class ProxyTunnelError extends Error {
  readonly code = 'ERR_PROXY_TUNNEL';
}

function openTcp(host: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp({ host, port });
    socket.setTimeout(timeoutMs, () => socket.destroy(Object.assign(new Error('connect timed out'), { code: 'ETIMEDOUT' })));
    socket.once('connect', () => {
      socket.setTimeout(0);
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

function tunnelThrough(socket: Socket, site: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    let head = Buffer.alloc(0);
    const fail = (error: Error): void => {
      socket.destroy();
      reject(error);
    };
    const timer = setTimeout(() => fail(new ProxyTunnelError('proxy did not answer CONNECT')), timeoutMs);
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', fail);
      const statusLine = head.subarray(0, head.indexOf('\r\n')).toString('latin1');
      if (!/^HTTP\/1\.[01] 2\d\d/.test(statusLine)) {
        fail(new ProxyTunnelError(`proxy refused CONNECT: ${statusLine}`));
        return;
      }
      const rest = head.subarray(end + 4);
      if (rest.length > 0) socket.unshift(rest);
      resolve(socket);
    };
    socket.on('data', onData);
    socket.once('error', fail);
    const target = authority(site, port);
    socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
  });
}

/** A plain TCP socket whose far end is the site's TLS endpoint, wherever the route says it is. */
export async function openRoute(target: VisitTarget, timeoutMs = target.timeoutMs): Promise<Socket> {
  const socket = await openTcp(target.route.host, target.route.port, timeoutMs);
  if (target.route.kind === 'direct') return socket;
  return tunnelThrough(socket, target.site, urlPort(target.url), timeoutMs);
}

/**
 * A client without a resolver override (wget, the JDK) can still go direct where the lab's own
 * DNS leads every name to its direct route: it fetches the URL and the name does the routing.
 */
export function routesThrough(routes: readonly Route['kind'][], launcher: ClientLauncher | undefined): Route['kind'][] {
  return launcher?.resolvesSiteNames && !routes.includes('direct') ? [...routes, 'direct'] : [...routes];
}

/** why a direct-by-name visit cannot reach the route (the URL's port is not the route's), if it cannot */
export function directByNameProblem(target: VisitTarget): string | undefined {
  if (target.route.kind !== 'direct' || urlPort(target.url) === target.route.port) return undefined;
  return `the URL's port ${urlPort(target.url)} is not the direct route's ${target.route.port}, and this client has no way to override it`;
}
