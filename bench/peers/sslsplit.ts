/**
 * Peer row: sslsplit 0.5.5. It has no CONNECT mode, so, as in the reference, it gets an "ssl"
 * listener with a static upstream (the origin) and clients dial it directly with SNI.
 */
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { launchPeer } from './launch.ts';
import { findExecutable } from '../../lab/runtime/find-executable.ts';
import { mintPeerCa } from './peer-ca.ts';
import type { Peer } from './types.ts';

export const sslsplit: Peer = {
  name: 'sslsplit',
  door: 'sni',
  settings:
    'sslsplit "ssl" proxyspec, static upstream 127.0.0.1:<origin>, no HTTP parsing, upstream NOT verified (no such option), ' +
    'client ECDHE pinned to prime256v1 (-G default); RSA CA; one leaf key: RSA-2048 made at start, or -K P-256 for the ECDSA origin',
  missing: () => (findExecutable('sslsplit') ? undefined : 'not installed (apt-get install sslsplit)'),
  start: (options) =>
    launchPeer('sslsplit', async (workspace, port) => {
      const ca = await mintPeerCa(workspace, 'sslsplit', 'rsa2048');
      const leafKeyArgs: string[] = [];
      if (options.originKeyType === 'ecdsa-p256') {
        const leafKeyFile = workspace.file('leaf.key');
        const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
        writeFileSync(leafKeyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
        leafKeyArgs.push('-K', leafKeyFile);
      }
      return {
        command: findExecutable('sslsplit')!,
        args: ['-k', ca.keyFile, '-c', ca.certFile, ...leafKeyArgs, 'ssl', '127.0.0.1', String(port), '127.0.0.1', String(options.originPort)],
        caPem: () => ca.certPem,
      };
    }),
};
