/** Peer row: http-mitm-proxy 1.1.0 (a project dependency, so this row always runs). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchPeer } from './launch.ts';
import type { Peer } from './types.ts';

const entry = new URL('./http-mitm-proxy-main.ts', import.meta.url).pathname;

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
      return {
        command: process.execPath,
        args: ['--import', import.meta.resolve('tsx'), entry, String(port), sslCaDir, String(options.originPort)],
        env: { ...process.env, NODE_EXTRA_CA_CERTS: options.upstreamCaFile },
        // the library writes its CA before it listens
        caPem: () => readFileSync(join(sslCaDir, 'certs', 'ca.pem'), 'utf8'),
      };
    }),
};
