/**
 * A box the user runs themselves (a corporate appliance's software, a vendor's proxy, their own
 * mitmproxy): an explicit proxy on a loopback address with its own CA, which plays the rogue root.
 * The lab configures nothing in it, so its targets, upstream checks and forging are its own; the
 * lab's taps in front of it record what every client sent. It is told CONNECT by the origin's lab
 * address (with the name in the SNI): resolving the name itself would send it off the machine.
 */
import * as net from 'node:net';
import type { Destination } from '../proxy/types.ts';
import type { Interceptor } from './types.ts';

export const EXTERNAL_BOX = 'external';

function isLoopback(host: string): boolean {
  return net.isIPv4(host) ? host.startsWith('127.') : host === '::1' || host === 'localhost';
}

function accepts(to: Destination, timeoutMs = 3_000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: to.host, port: to.port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(`nothing answered on ${to.host}:${to.port} within ${timeoutMs} ms`);
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(undefined);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(`nothing listens on ${to.host}:${to.port} (${err.code ?? err.message})`);
    });
  });
}

/** `proxy`: where the user's proxy listens (loopback only); `caPem`: its CA, which clients are told to trust in place of the scenario's rogue root. */
export function externalInterceptor(proxy: Destination, caPem: string): Interceptor {
  if (!isLoopback(proxy.host)) throw new Error(`the external box must listen on a loopback address, not ${proxy.host} (the lab sends traffic only on loopback and its own namespaces)`);
  return {
    name: EXTERNAL_BOX,
    settings: `the user's own proxy at ${proxy.host}:${proxy.port}, with its own CA; configured by the user, not the lab`,
    missing: () => undefined,
    limitations: () => [{ text: 'the lab configures nothing in the external box: its targets, upstream checks and forging are its own; its CA plays the rogue root' }],
    async start() {
      const problem = await accepts(proxy);
      if (problem) throw new Error(`external box: ${problem}; start it first (e.g. mitmdump --listen-host 127.0.0.1 --listen-port ${proxy.port})`);
      return {
        doors: { kind: 'connect', address: proxy, connectByAddress: true },
        caPem,
        logTail: () => '',
        stop: async () => undefined,
      };
    },
  };
}
