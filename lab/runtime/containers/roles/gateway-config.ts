import type { UpstreamPolicy } from '../../../proxy/types.ts';

/** What the lab hands the gateway container (as a JSON file); everything in it is plain data. */
export interface GatewayConfig {
  /** CIDR on the clients' side: the interface holding an address in it faces the clients */
  insideSubnet: string;
  /** CIDR of the origins' network: the only place forwarded traffic may go */
  outsideSubnet: string;
  /** origin addresses of targeted sites: their :443 flows are redirected to the transparent door; the rest is forwarded untouched */
  interceptDestinations: string[];
  transparentPort: number;
  /** the CONNECT door, for clients whose scenario points them at a proxy */
  connectPort: number;
  targets: { names: string[]; wildcard?: boolean };
  upstream: UpstreamPolicy;
  forgerProfile: string;
  /** path of the lab's forge socket inside the container */
  forgeSocket: string;
  /** site name -> origin address (port 443), for the CONNECT door */
  sites: Record<string, string>;
  /** routes the gateway adds to its own table before it opens its doors (back to the clients, via the router) */
  routes: { to: string; via: string }[];
  /** report every key log line with its connection (per-cell key logs) */
  keylogLines?: boolean;
  /** the lab's report socket inside the container (events, key lines, sync answers) */
  reportSocket?: string;
  /**
   * a box the lab did not write runs here: serve the process agent (client-agent.py) on this
   * socket, in a dir the host sees at the same path, so the lab can start the box and its
   * commands in the gateway; the engine then intercepts nothing (interceptDestinations is empty)
   */
  boxAgentSocket?: string;
}

/** JSON lines the gateway writes on stdout; the lab follows the container's log. */
export type GatewayLine =
  | { type: 'listening'; inside: string; doors: Record<string, number> }
  | { type: 'error'; message: string };

export const GATEWAY_CONFIG_PATH = '/etc/tlslab/gateway.json';
export const FORGE_MOUNT = '/run/tlslab-forge';
