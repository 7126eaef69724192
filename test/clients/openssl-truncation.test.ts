/**
 * A peer that sends the page and then closes TCP without close_notify (mitmproxy 8 does this):
 * OpenSSL 3's s_client exits 1 with "unexpected eof while reading", yet it verified the chain and
 * printed the page. The verdict is "loaded" with the truncation named; a cleanly closing origin
 * loads without that note.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOpensslShim } from '../../lab/clients/openssl.ts';
import { makeTestPki } from './pki.ts';
import { directTo, trustPublic, visitTarget, type TestLab } from './lab.ts';

async function truncatingOrigin(leaf: { certPem: string; keyPem: string }): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((raw) => {
    sockets.add(raw);
    raw.on('error', () => undefined);
    const secure = new tls.TLSSocket(raw, { isServer: true, cert: leaf.certPem, key: leaf.keyPem });
    secure.on('error', () => undefined);
    secure.once('data', () => {
      secure.write('HTTP/1.1 200 OK\r\ncontent-length: 3\r\nconnection: close\r\n\r\nok\n', () => {
        // FIN on the TCP socket underneath: no TLS alert goes out
        setTimeout(() => raw.end(), 50);
      });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

test('openssl: a page followed by a close without close_notify is loaded, the truncation named', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tlslab-test-truncation-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pki = makeTestPki(dir);
  const origin = await truncatingOrigin(pki.publicLeaf);
  t.after(() => origin.close());
  const shim = createOpensslShim();
  const session = await shim.prepare(trustPublic({ pki } as TestLab), join(dir, 'work'));
  try {
    const observation = await session.visit(visitTarget(directTo(origin)));
    assert.equal(observation.outcome, 'loaded', `${observation.error}: ${observation.detail}`);
    assert.equal(observation.status, 200);
    assert.match(observation.detail ?? '', /without close_notify/);
  } finally {
    await session.close();
  }
});
