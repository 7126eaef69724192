/** Reading a box's first flight off the wire: real servers' bytes, TLS 1.2 and 1.3, and junk. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { createAuthority, issueServerCertificate } from '../../lab/ca/index.ts';
import { readServerFlight } from '../../lab/boxes/server-flight.ts';

/** The bytes a real Node TLS server sends first, for a client capped at `maxVersion`. */
async function firstFlight(maxVersion: 'TLSv1.2' | 'TLSv1.3'): Promise<{ bytes: Buffer; chain: string }> {
  const ca = await createAuthority('lab-public');
  const issued = await issueServerCertificate(ca, { names: ['flight.example'] });
  const server = tls.createServer({ cert: issued.chainPem, key: issued.keyPem });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  // a relay in between sees what the server wrote, as the lab's tap does
  const seen: Buffer[] = [];
  const relay = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    upstream.on('data', (d: Buffer) => seen.push(d));
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
  const relayPort = (relay.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port: relayPort, servername: 'flight.example', rejectUnauthorized: false, maxVersion });
    socket.once('secureConnect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', () => resolve());
  });
  relay.close();
  server.close();
  return { bytes: Buffer.concat(seen), chain: issued.chainPem };
}

test('TLS 1.2: the ServerHello names version and suite, and the Certificate message is the chain served', async () => {
  const { bytes, chain } = await firstFlight('TLSv1.2');
  const flight = readServerFlight(bytes);
  assert.equal(flight.version, 'TLSv1.2');
  assert.equal(typeof flight.cipher, 'number');
  assert.ok(flight.chainPem, 'the chain is in the clear in TLS 1.2');
  const served = chain.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)!;
  assert.deepEqual(flight.chainPem!.map((p) => new X509Certificate(p).fingerprint256), served.map((p) => new X509Certificate(p).fingerprint256));
  assert.equal(flight.done, true);
});

test('TLS 1.3: the version and suite are read, the encrypted certificate is not guessed', async () => {
  const { bytes } = await firstFlight('TLSv1.3');
  const flight = readServerFlight(bytes);
  assert.equal(flight.version, 'TLSv1.3');
  assert.equal(flight.chainPem, undefined);
  assert.equal(flight.done, true);
});

test('a flight cut anywhere or not TLS at all never throws, and waits or gives up cleanly', async () => {
  const { bytes } = await firstFlight('TLSv1.2');
  for (let cut = 0; cut < Math.min(bytes.length, 2_000); cut += 7) readServerFlight(bytes.subarray(0, cut));
  assert.equal(readServerFlight(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n')).done, true);
  const lying = Buffer.from(bytes);
  lying.writeUInt16BE(0xffff, 3);
  assert.equal(readServerFlight(lying).chainPem, undefined);
});
