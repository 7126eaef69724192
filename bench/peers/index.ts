/** The peer rows, in the order the bench runs them. */
import { httpMitmProxy } from './http-mitm-proxy.ts';
import { mitmdump } from './mitmdump.ts';
import { sslsplit } from './sslsplit.ts';
import { squid } from './squid.ts';
import { killAllPeerProcesses } from './process.ts';
import { removeAllPeerWorkspaces } from './workspace.ts';
import type { Peer } from './types.ts';

export const PEERS: readonly Peer[] = [httpMitmProxy, mitmdump, sslsplit, squid];
export type { Peer, PeerOptions, RunningPeer, Door, OriginKeyType } from './types.ts';

/** Synchronous last resort (exit, signals): kill every peer group, delete every peer temp dir. */
export function abandonAllPeers(): void {
  killAllPeerProcesses();
  removeAllPeerWorkspaces();
}
