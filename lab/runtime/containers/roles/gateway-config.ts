import type { UpstreamPolicy } from '../../../proxy/types.ts';

/** What the lab hands the gateway container (as a JSON file); everything in it is plain data. */
export interface GatewayConfig {
  /** CIDR of the clients' network: the interface holding an address in it faces the clients */
  insideSubnet: string;
  /** origin addresses whose :443 flows are redirected to the transparent door */
  interceptDestinations: string[];
  transparentPort: number;
  /** SNI and CONNECT doors, for clients that run on the host and reach the gateway directly */
  sniPort: number;
  connectPort: number;
  targets: { names: string[]; wildcard?: boolean };
  upstream: UpstreamPolicy;
  forgerProfile: string;
  /** path of the lab's forge socket inside the container */
  forgeSocket: string;
  /** site name -> origin address (port 443), for the SNI and CONNECT doors */
  sites: Record<string, string>;
  /** one SNI and one CONNECT door per lane: the port a connection came in on names its lane */
  lanes: Array<{ sni: number; connect: number }>;
  /** report every key log line with its connection (per-cell key logs) */
  keylogLines?: boolean;
  /** the lab's report socket inside the container (events, key lines, sync answers) */
  reportSocket?: string;
}

/** JSON lines the gateway writes on stdout; the lab follows the container's log. */
export type GatewayLine =
  | { type: 'listening'; inside: string; doors: Record<string, number> }
  | { type: 'event'; event: unknown }
  | { type: 'keylog'; conn: number; line: string }
  | { type: 'hello'; origin: string }
  | { type: 'error'; message: string };

export const GATEWAY_CONFIG_PATH = '/etc/tlslab/gateway.json';
export const FORGE_MOUNT = '/run/tlslab-forge';
