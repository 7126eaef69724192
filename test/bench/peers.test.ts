import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as https from 'node:https';
import * as tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createAuthority, issueServerCertificate } from '../../lab/ca/index.ts';
import { httpMitmProxy } from '../../bench/peers/http-mitm-proxy.ts';
import { openTunnel } from '../../bench/engine/connect-tunnel.ts';

const peerWorkspaces = () => new Set(readdirSync(tmpdir()).filter((entry) => entry.startsWith('tlslab-peer-http-mitm-proxy-')));

function processGroupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('http-mitm-proxy peer: intercepts a CONNECT with a leaf from its own CA, then stops leaving no process', { timeout: 15_000 }, async (t) => {
  const name = 'peer-check.lab.test';
  const labPublic = await createAuthority('lab-public');
  const originCert = await issueServerCertificate(labPublic, { names: [name], keyType: 'ecdsa-p256' });
  const origin = https.createServer({ cert: originCert.chainPem, key: originCert.keyPem }, (_req, res) => res.end('from the origin'));
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  const originPort = (origin.address() as AddressInfo).port;
  const dir = mkdtempSync(join(tmpdir(), 'tlslab-peer-test-'));
  t.after(() => {
    origin.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const upstreamCaFile = join(dir, 'lab-public.pem');
  writeFileSync(upstreamCaFile, labPublic.root.certPem);

  const workspacesBefore = peerWorkspaces();
  const peer = await httpMitmProxy.start({ originPort, upstreamCaFile, originKeyType: 'ecdsa-p256', hostNames: [name] });
  let stopped = false;
  t.after(async () => {
    if (!stopped) await peer.stop();
  });

  const socket = await openTunnel({ proxyPort: peer.port, authority: `${name}:${originPort}` });
  // trusting only the peer's CA: the handshake itself proves the leaf chains to it
  const client = tls.connect({ socket, servername: name, ca: peer.caPem });
  await new Promise<void>((resolve, reject) => {
    client.once('secureConnect', resolve);
    client.once('error', reject);
  });
  const leaf = client.getPeerX509Certificate()!;
  const peerCa = new X509Certificate(peer.caPem);
  assert.equal(leaf.issuer, peerCa.subject);
  assert.ok(leaf.checkIssued(peerCa) && leaf.verify(peerCa.publicKey), 'leaf signed by the peer CA');
  assert.notEqual(leaf.fingerprint256, new X509Certificate(originCert.certPem).fingerprint256, 'not the origin leaf');
  assert.equal(leaf.checkHost(name), name);

  client.write(`GET / HTTP/1.1\r\nHost: ${name}:${originPort}\r\n\r\n`);
  let response = '';
  for await (const chunk of client) response += (chunk as Buffer).toString();
  assert.match(response, /^HTTP\/1\.1 200/);
  assert.match(response, /from the origin$/);

  await peer.stop();
  stopped = true;
  // SIGKILL is delivered at once but the group's last members (tsx's esbuild) take a moment to be reaped
  for (let i = 0; i < 50 && processGroupAlive(peer.pid); i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(processGroupAlive(peer.pid), false, 'peer process group gone');
  assert.deepEqual([...peerWorkspaces()].filter((entry) => !workspacesBefore.has(entry)), [], 'its temp dir and CA key gone');
});
