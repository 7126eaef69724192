/** Peer row: mitmdump (Debian's mitmproxy), run as the reference ran it, plus a redirect addon. */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launchPeer } from './launch.ts';
import { findExecutable } from '../../lab/runtime/find-executable.ts';
import { mintPeerCa } from './peer-ca.ts';
import type { Peer } from './types.ts';

const redirectAddon = new URL('./mitmdump-to-origin.py', import.meta.url).pathname;

export const mitmdump: Peer = {
  name: 'mitmdump',
  door: 'connect',
  settings:
    'mitmdump -q, regular (explicit) mode, stream_large_bodies=1, upstream verified (ssl_verify_upstream_trusted_ca), ' +
    'default eager connection strategy; leaf key = the CA key (CA key type follows the origin\'s)',
  missing: () => (findExecutable('mitmdump') ? undefined : 'not installed (apt-get install mitmproxy)'),
  start: (options) =>
    launchPeer('mitmdump', async (workspace, port) => {
      const ca = await mintPeerCa(workspace, 'mitmdump', options.originKeyType);
      const confdir = workspace.file('confdir');
      mkdirSync(confdir);
      copyFileSync(ca.keyAndCertFile, join(confdir, 'mitmproxy-ca.pem'));
      return {
        command: findExecutable('mitmdump')!,
        args: [
          '-q',
          '--listen-host', '127.0.0.1',
          '--listen-port', String(port),
          '--set', `confdir=${confdir}`,
          '--set', 'stream_large_bodies=1',
          '--set', `ssl_verify_upstream_trusted_ca=${options.upstreamCaFile}`,
          '-s', redirectAddon,
        ],
        caPem: () => ca.certPem,
      };
    }),
};
