/**
 * Scenarios that bring their own rogue root: a generic preset with its own subject and key, a
 * directory from `tlslab ca create`, and a mitmproxy confdir (written by the real mitmdump). One
 * real run of all three through the node client; the forged chain must end at that very root.
 * Then `tlslab proxy` on a mitmproxy confdir with SSLKEYLOGFILE, and its missing options at once.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { request } from 'node:http';
import { connect as tlsConnect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tlslab } from './helpers/cli.ts';
import { buildProgram } from '../../harness/cli.ts';
import { UserError } from '../../harness/errors.ts';
import { parseScenario } from '../../harness/scenario/load.ts';
import { labCatalogue } from '../../harness/runner/lab-catalogue.ts';
import { findExecutable } from '../../lab/runtime/find-executable.ts';
import { createAuthority, issueServerCertificate, saveAuthority } from '../../lab/ca/index.ts';
import type { ResultRow } from '../../harness/runner/results.ts';

const spkiOf = (pem: string) => createHash('sha256').update(new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' })).digest('base64');

const scenario = (id: string, authority: string) => `id: ${id}
authority: ${authority}
interception: { targets: [vk.com], forging: modern, upstream: { verify: true } }
sites: [vk.com, control.example.kz]
clients: [node]
states:
  - name: installed
    trust: [rogue]
    expect: { "*": loaded }
`;

/** mitmproxy writes its CA (mitmproxy-ca.pem and friends) on start-up; -n -r /dev/null exits right after. */
function mitmproxyConfdir(dir: string): string | undefined {
  const mitmdump = findExecutable('mitmdump');
  if (!mitmdump) return undefined;
  const r = spawnSync(mitmdump, ['-n', '-q', '--set', `confdir=${dir}`, '-r', '/dev/null'], { encoding: 'utf8', timeout: 60_000 });
  assert.ok(existsSync(join(dir, 'mitmproxy-ca.pem')), `mitmdump wrote no CA: ${r.stderr}`);
  return dir;
}

/** One mitmproxy confdir for the tests of this file (made on first use), removed when they all end. */
const CONF_ROOT = mkdtempSync(join(tmpdir(), 'tlslab-test-mitm-conf-'));
after(() => rmSync(CONF_ROOT, { recursive: true, force: true }));
let confdirOnce: Promise<string | undefined> | undefined;
function sharedConfdir(): Promise<string | undefined> {
  confdirOnce ??= Promise.resolve().then(() => mitmproxyConfdir(join(CONF_ROOT, 'conf')));
  return confdirOnce;
}

test('a scenario names its own root: generic subject and key, a ca create dir, a mitmproxy confdir', { timeout: 240_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tlslab-test-own-ca-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // what `tlslab ca create --preset generic --subject … --key-type ecdsa-p384 --out my-ca` does
  // (test/ca/cli.test.ts runs that command), without a second CLI start-up
  await saveAuthority(await createAuthority('generic', { generic: { subject: 'CN=Acme Inspection Root, O=Acme, C=DE', keyType: 'ecdsa-p384' } }), join(dir, 'my-ca'));
  const confdir = await sharedConfdir();
  if (confdir) symlinkSync(confdir, join(dir, 'mitm'));
  if (!confdir) t.diagnostic('mitmdump is not installed (apt-get install mitmproxy): the mitmproxy confdir case is skipped');

  const files = [
    ['generic', scenario('own-generic', '{ preset: generic, subject: "CN=Corp Inspection CA, O=Corp, C=US", key: rsa-2048 }')],
    ['dir', scenario('own-dir', '{ dir: ./my-ca }')],
    ...(confdir ? [['mitm', scenario('own-mitm', '{ dir: mitm }')]] : []),
  ].map(([name, text]) => {
    writeFileSync(join(dir, `${name}.yaml`), text!);
    return join(dir, `${name}.yaml`);
  });
  const out = join(dir, 'out');
  // run from elsewhere: dir is relative to the scenario file, not to the working directory
  const r = tlslab(['run', ...files, '--out', out, '--reporter', 'json', '--detectors', 'none', '--concurrency', '2']);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const rowsOf = (id: string) => (JSON.parse(readFileSync(join(out, id, 'results.json'), 'utf8')) as { rows: ResultRow[] }).rows;
  const forged = (id: string) => {
    const row = rowsOf(id).find((x) => x.site === 'vk.com')!;
    assert.equal(row.truth?.status, 'intercepted', `${id}: ${row.truth?.reason}`);
    return row.actual.chain!;
  };

  const generic = forged('own-generic');
  assert.match(generic.issuer, /CN=Corp Inspection CA/);
  assert.match(generic.issuer, /O=Corp/);
  const own = forged('own-dir');
  assert.equal(own.rootSpkiSha256, spkiOf(readFileSync(join(dir, 'my-ca', 'ca.pem'), 'utf8')), 'the chain ends at the ca create root');
  assert.match(own.issuer, /CN=Acme Inspection Root/);
  if (confdir) {
    const mitm = forged('own-mitm');
    assert.equal(mitm.rootSpkiSha256, spkiOf(readFileSync(join(confdir, 'mitmproxy-ca-cert.pem'), 'utf8')), 'the chain ends at mitmproxy\'s CA');
    assert.match(mitm.issuer, /CN=mitmproxy/);
  }
});

test('authority mistakes are load errors naming the field', () => {
  const load = (authority: string) => {
    try {
      parseScenario(scenario('x', authority), '/tmp/x/bad.yaml', labCatalogue());
      return '';
    } catch (err) {
      return (err as Error).message;
    }
  };
  assert.match(load('{ preset: qaznet-2019, subject: "CN=X" }'), /authority\.subject: applies to preset generic only/);
  assert.match(load('{ preset: generic, key: rsa-1024 }'), /authority\.key: /);
  assert.match(load('{ preset: generic, subject: "not a dn" }'), /authority\.subject: invalid distinguished name/);
  assert.match(load('{ dir: ./nowhere }'), /authority\.dir: \/tmp\/x\/nowhere: no ca\.pem .* or mitmproxy-ca\.pem/);
  assert.match(load('{ dir: ./nowhere, preset: generic }'), /authority\.preset: preset and dir exclude each other/);
  assert.match(load('{}'), /authority: give preset .* or dir/);
  assert.equal(load('{ preset: generic, subject: "CN=Corp CA, O=Corp, C=US", key: ecdsa-p256 }'), '');
});

test('tlslab proxy names every missing option at once', async () => {
  // the real command, in this process (main() prints the message and exits 2 on a UserError)
  const program = buildProgram();
  await assert.rejects(program.parseAsync(['node', 'tlslab', 'proxy']), (err: unknown) => {
    assert.ok(err instanceof UserError, String(err));
    assert.equal(err.exitCode, 2);
    assert.doesNotMatch(err.message, /\n/);
    assert.match(err.message, /^proxy: missing --ca DIR, --profile \S+, --listen HOST:PORT$/);
    return true;
  });
});

test('tlslab proxy forges with a mitmproxy confdir and writes SSLKEYLOGFILE (0600)', { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tlslab-test-proxy-ca-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const confdir = await sharedConfdir();
  if (!confdir) return t.skip('mitmdump is not installed (apt-get install mitmproxy)');

  const publicCa = await createAuthority('lab-public');
  const issued = await issueServerCertificate(publicCa, { names: ['vk.com'] });
  const origin = createHttpsServer({ cert: issued.chainPem, key: issued.keyPem }, (_req, res) => res.end('origin'));
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  t.after(() => origin.close());
  const originPort = (origin.address() as { port: number }).port;

  const keylog = join(dir, 'keys', 'sslkeylog.txt');
  mkdirSync(join(dir, 'keys'));
  const proxy = spawn(
    process.execPath,
    ['bin/tlslab.js', 'proxy', '--ca', confdir, '--profile', 'modern', '--listen', '127.0.0.1:0', '--targets', '*', '--no-verify-upstream', '--map', `*=127.0.0.1:${originPort}`],
    { env: { ...process.env, SSLKEYLOGFILE: keylog }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  t.after(() => void proxy.kill('SIGKILL'));
  let stderr = '';
  const port = await new Promise<number>((resolve, reject) => {
    proxy.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      const m = /door on 127\.0\.0\.1:(\d+)/.exec(stderr);
      if (m) resolve(Number(m[1]));
    });
    proxy.once('exit', (code) => reject(new Error(`proxy exited ${code}: ${stderr}`)));
  });
  assert.match(stderr, new RegExp(`key log ${keylog}`));

  // a client that trusts only mitmproxy's CA, through the CONNECT door
  const body = await new Promise<string>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'CONNECT', path: 'vk.com:443' });
    req.once('error', reject);
    req.once('connect', (_res, socket) => {
      const tls = tlsConnect({ socket, servername: 'vk.com', ca: readFileSync(join(confdir, 'mitmproxy-ca-cert.pem'), 'utf8') }, () => {
        tls.write('GET / HTTP/1.1\r\nHost: vk.com\r\nConnection: close\r\n\r\n');
      });
      let text = '';
      tls.setEncoding('utf8').on('data', (d: string) => (text += d));
      tls.once('error', reject);
      tls.once('close', () => resolve(text));
    });
    req.end();
  });
  assert.match(body, /origin$/, 'the request went through the forged connection to the origin');
  proxy.kill('SIGTERM');
  await new Promise((resolve) => proxy.once('exit', resolve));
  const lines = readFileSync(keylog, 'utf8').trim().split('\n');
  assert.ok(lines.some((l) => /^CLIENT_TRAFFIC_SECRET_0 /.test(l)), 'TLS 1.3 secrets of the connections');
  assert.equal(statSync(keylog).mode & 0o777, 0o600);
});
