/**
 * The transparent door (netns gateway): the kernel redirected the client's connection here; the
 * original destination comes from the lookup (conntrack for REDIRECT, local address for TPROXY).
 */
import type { Socket } from 'node:net';
import type { OriginalDestinationLookup } from '../types.ts';
import type { Locate } from '../tls-front.ts';

export function transparentLocator(socket: Socket, lookup: OriginalDestinationLookup): Locate {
  const accepted = {
    remoteAddress: socket.remoteAddress ?? '',
    remotePort: socket.remotePort ?? 0,
    localAddress: socket.localAddress ?? '',
    localPort: socket.localPort ?? 0,
  };
  // look up at once: conntrack entries can vanish soon after the client closes
  const found = lookup.lookup(accepted).catch(() => undefined);
  return async () => (await found) ?? `no-original-destination (${lookup.method})`;
}
