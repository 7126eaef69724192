/**
 * The user's own proxy as the box: the test starts mitmdump itself with a CA mitmproxy made (not
 * the lab's) and runs a grid through it with --box external. Its CA plays the rogue root: untrusted
 * it is refused with each client's own error, installed everything loads, and every cell's truth
 * is "intercepted" from the chain the client was shown against the origin's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { X509Certificate, createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findExecutable } from '../../lab/runtime/find-executable.ts';
import { freeLoopbackPort } from '../../lab/boxes/process.ts';
import type { ResultRow } from '../../harness/runner/results.ts';
import { tlslab } from '../harness/helpers/cli.ts';

const SCENARIO = `id: external-box
authority: { preset: qaznet-2019 }
interception: { targets: [vk.com], forging: kz-2019, upstream: { verify: true } }
sites: [vk.com, control.example.kz]
clients: [curl, openssl, node]
states:
  - name: not-installed
    trust: []
    expect: { curl: exit-60, openssl: X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, node: UNABLE_TO_GET_ISSUER_CERT_LOCALLY }
    boxes:
      # mitmproxy's own CA: it intercepts every name and sends the leaf alone
      external: { node: UNABLE_TO_VERIFY_LEAF_SIGNATURE }
  - name: installed
    trust: [rogue]
    expect: { "*": loaded }
`;

async function listening(port: number, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => resolve(socket.destroy() === socket));
      socket.once('error', () => resolve(false));
    });
    if (up) return;
    if (Date.now() > until) throw new Error(`mitmdump did not listen on 127.0.0.1:${port} within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const spkiSha256 = (pem: string) => createHash('sha256').update(new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' })).digest('base64');

test('--box external: a mitmdump the test started, with its own CA, on the grid', { timeout: 240_000 }, async (t) => {
  const mitmdump = findExecutable('mitmdump');
  if (!mitmdump) return t.skip('mitmdump is not installed (apt-get install mitmproxy)');
  const dir = mkdtempSync(join(tmpdir(), 'tlslab-test-external-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const port = await freeLoopbackPort();
  const confdir = join(dir, 'conf');
  const box = spawn(mitmdump, ['-q', '--listen-host', '127.0.0.1', '--listen-port', String(port), '--set', `confdir=${confdir}`, '--set', 'ssl_insecure=true'], { stdio: 'ignore' });
  t.after(() => void box.kill('SIGKILL'));
  await listening(port, 60_000);
  const caFile = join(confdir, 'mitmproxy-ca-cert.pem');
  assert.ok(existsSync(caFile), 'mitmdump wrote its CA');
  writeFileSync(join(dir, 'external.yaml'), SCENARIO);

  const out = join(dir, 'out');
  const r = tlslab(['run', join(dir, 'external.yaml'), '--box', 'external', '--box-proxy', `127.0.0.1:${port}`, '--box-ca', caFile, '--out', out, '--reporter', 'table,json']);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const rows = (JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { rows: ResultRow[] }).rows;
  assert.equal(rows.length, 12);
  for (const row of rows) {
    assert.equal(row.box, 'external');
    assert.equal(row.truth?.status, 'intercepted', `${row.state}/${row.client}/${row.site}: ${row.truth?.reason}`);
    assert.ok(row.limitations?.some((l) => /configures nothing/.test(l)), 'the row says the lab configured nothing in the box');
  }
  const caSpki = spkiSha256(readFileSync(caFile, 'utf8'));
  const shown = rows.filter((row) => row.client === 'openssl' && row.state === 'installed');
  for (const row of shown) {
    assert.match(row.actual.chain?.issuer ?? '', /CN=mitmproxy/, 'the leaf is issued by mitmproxy\'s own CA');
    assert.equal(row.actual.chain?.rootSpkiSha256, caSpki, 'the chain ends at the box\'s CA');
  }
  const cards = JSON.parse(readFileSync(join(out, 'boxes.json'), 'utf8')) as Array<{ box: string; skipped?: string }>;
  assert.deepEqual(cards.map((c) => [c.box, Boolean(c.skipped)]), [['external', true]], 'the external box is not graded, with the reason');
});

test('--box-proxy off loopback is a one-line usage error', () => {
  const r = tlslab(['run', 'kz-2019-qaznet', '--box', 'external', '--box-proxy', '10.0.0.1:8080', '--box-ca', '/etc/hostname']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^tlslab: --box-proxy 10\.0\.0\.1:8080: the external box must listen on a loopback address/);
});
