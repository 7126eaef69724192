/**
 * A peer's private temp dir: config, logs, caches and its CA key all go there and go away with it,
 * so nothing machine-wide is read or written.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PeerWorkspace {
  dir: string;
  file(name: string): string;
  remove(): void;
}

const live = new Set<string>();

export function createPeerWorkspace(peerName: string): PeerWorkspace {
  const dir = mkdtempSync(join(tmpdir(), `tlslab-peer-${peerName}-`));
  live.add(dir);
  return {
    dir,
    file: (name) => join(dir, name),
    remove: () => {
      rmSync(dir, { recursive: true, force: true });
      live.delete(dir);
    },
  };
}

/** Synchronous, for 'exit' handlers: a CA key must not outlive an interrupted bench. */
export function removeAllPeerWorkspaces(): void {
  for (const dir of live) rmSync(dir, { recursive: true, force: true });
  live.clear();
}
