/**
 * Peer row: http-mitm-proxy 1.1.0 (a project dependency, so this row always runs), started by the
 * lab's own box entry point (lab/boxes/http-mitm-proxy-main.ts) with every name a target at the
 * bench origin's address and no CA given, so the library makes its own.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchPeer } from './launch.ts';
import type { Peer } from './types.ts';

const entry = new URL('../../lab/boxes/http-mitm-proxy-main.ts', import.meta.url).pathname;

export const httpMitmProxy: Peer = {
  name: 'http-mitm-proxy',
  door: 'connect',
  settings:
    'http-mitm-proxy 1.1.0, library defaults (keepAlive:false: "Connection: close" on every response) + forceSNI; ' +
    'its own generated RSA CA; a new RSA-2048 key per host name; upstream verified (NODE_EXTRA_CA_CERTS)',
  missing: () => undefined,
  start: (options) =>
    launchPeer('http-mitm-proxy', async (workspace, port) => {
      const sslCaDir = workspace.file('ca-dir');
      const config = workspace.file('http-mitm-proxy.json');
      const sites = Object.fromEntries(options.hostNames.map((name) => [name, '127.0.0.1']));
      writeFileSync(config, JSON.stringify({ port, sslCaDir, targets: '*', sites }));
      return {
        command: process.execPath,
        args: ['--import', import.meta.resolve('tsx'), entry, config],
        env: { ...process.env, NODE_EXTRA_CA_CERTS: options.upstreamCaFile },
        // the library writes its CA before it listens
        caPem: () => readFileSync(join(sslCaDir, 'certs', 'ca.pem'), 'utf8'),
      };
    }),
};
