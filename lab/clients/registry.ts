/**
 * Every client the harness can name. Browser shims join this list; keep it a plain list so adding
 * one is one line.
 */
import { UserError } from '../errors.ts';
import { createChromiumShim } from './chromium.ts';
import { createCurlShim } from './curl.ts';
import { createFirefoxShim } from './firefox.ts';
import { createGnutlsShim } from './gnutls.ts';
import { createJavaShim } from './java.ts';
import { createNodeShim } from './node.ts';
import { createOpensslShim } from './openssl.ts';
import { createPythonShim } from './python.ts';
import { createProbeShim } from './tlslab-probe.ts';
import type { ClientShim } from './types.ts';
import { createUndiciShim } from './undici.ts';
import { createWgetShim } from './wget.ts';

export function clientShims(): ClientShim[] {
  return [
    createCurlShim(),
    createWgetShim(),
    createOpensslShim(),
    createGnutlsShim(),
    createNodeShim(),
    createUndiciShim(),
    createPythonShim(),
    createJavaShim(),
    createChromiumShim(),
    createFirefoxShim(),
    createProbeShim(),
  ];
}

export function getClientShim(name: string): ClientShim {
  const shims = clientShims();
  const shim = shims.find((candidate) => candidate.name === name);
  if (!shim) throw new UserError(`unknown client "${name}"; valid clients: ${shims.map((s) => s.name).join(', ')}`);
  return shim;
}
