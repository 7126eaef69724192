/**
 * Recovering where a transparently redirected connection was going. Node cannot call
 * getsockopt(SO_ORIGINAL_DST), so REDIRECT uses the kernel's conntrack table (per network
 * namespace, readable without privileges); TPROXY needs nothing: the accepted socket's local
 * address is the original destination (netns.md §4).
 */
import { readFile } from 'node:fs/promises';
import type { AcceptedAddresses, Destination, OriginalDestinationLookup } from './types.ts';

export function stripMappedPrefix(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** Expands an IPv6 address to conntrack's 8 groups of 4 hex digits; IPv4 passes unchanged. */
export function canonicalAddress(address: string): string {
  const plain = stripMappedPrefix(address).toLowerCase();
  if (!plain.includes(':')) return plain;
  const compressed = plain.indexOf('::');
  const head = compressed < 0 ? plain : plain.slice(0, compressed);
  const tail = compressed < 0 ? '' : plain.slice(compressed + 2);
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  const filler = compressed < 0 ? [] : Array<string>(Math.max(0, 8 - headParts.length - tailParts.length)).fill('0');
  const groups = [...headParts, ...filler, ...tailParts];
  return groups.map((g) => g.padStart(4, '0')).join(':');
}

interface Tuple {
  src: string;
  dst: string;
  sport: number;
  dport: number;
}

function tuples(line: string): Tuple[] {
  const out: Tuple[] = [];
  let current: Partial<Tuple> = {};
  for (const field of line.trim().split(/\s+/)) {
    const eq = field.indexOf('=');
    if (eq < 0) continue;
    const key = field.slice(0, eq);
    const value = field.slice(eq + 1);
    if (key === 'src' && current.src !== undefined) {
      out.push(current as Tuple);
      current = {};
    }
    if (key === 'src' || key === 'dst') current[key] = canonicalAddress(value);
    else if (key === 'sport' || key === 'dport') current[key] = Number(value);
  }
  if (current.src !== undefined) out.push(current as Tuple);
  return out.filter((t) => t.src && t.dst && Number.isInteger(t.sport) && Number.isInteger(t.dport));
}

/**
 * Finds the original destination in /proc/net/nf_conntrack text: the TCP entry whose reply tuple
 * is exactly the accepted socket (proxy port back to the peer's address and port). The reply
 * tuple, not the original: when two flows from one client port are REDIRECTed to the same proxy
 * port, NAT remaps the second one's source port, and only the reply tuple shows the port the
 * proxy accepted (seen in the netns lab: original sport=38724, reply dport=61372).
 */
export function parseConntrack(text: string, accepted: AcceptedAddresses): Destination | undefined {
  const peer = canonicalAddress(accepted.remoteAddress);
  for (const line of text.split('\n')) {
    if (!/\btcp\b/.test(line)) continue;
    const [original, reply] = tuples(line);
    if (!original || !reply) continue;
    if (original.src !== peer || reply.dst !== peer) continue;
    if (reply.sport !== accepted.localPort || reply.dport !== accepted.remotePort) continue;
    return { host: original.dst, port: original.dport };
  }
  return undefined;
}

export function conntrackLookup(path = '/proc/net/nf_conntrack'): OriginalDestinationLookup {
  return {
    method: 'conntrack',
    async lookup(accepted) {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch {
        return undefined;
      }
      return parseConntrack(text, accepted);
    },
  };
}

/** TPROXY: the listener (IP_TRANSPARENT) accepted a connection addressed to somebody else. */
export function localAddressLookup(): OriginalDestinationLookup {
  return {
    method: 'local-address',
    lookup: async (accepted) => ({ host: stripMappedPrefix(accepted.localAddress), port: accepted.localPort }),
  };
}

/**
 * TPROXY when the connection arrived on a port other than the listener's (the kernel kept the
 * original destination); otherwise REDIRECT, answered from conntrack.
 */
export function defaultOriginalDestination(listenPort: number, conntrackPath?: string): OriginalDestinationLookup {
  const tproxy = localAddressLookup();
  const conntrack = conntrackLookup(conntrackPath);
  return {
    method: 'tproxy-or-conntrack',
    lookup: (accepted) => (accepted.localPort !== listenPort ? tproxy.lookup(accepted) : conntrack.lookup(accepted)),
  };
}
