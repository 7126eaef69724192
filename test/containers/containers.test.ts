/**
 * The containers runtime on podman: one topology (client, DNS, transparent gateway, two origins),
 * curl inside the client container through the gateway for an intercepted and a passed-through
 * site, a host-side client through the gateway's SNI door, leak checks, and clean-up (normal and
 * after a SIGKILL). Skipped, with the reason, where podman is missing or its service won't start.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAuthority, createForger, issueServerCertificate } from '../../lab/ca/index.ts';
import {
  acquireContainerSession,
  containersRuntime,
  listLabelled,
  shutdownContainerSession,
  type ContainerSession,
  type ContainersLab,
} from '../../lab/runtime/containers/index.ts';
import { IP_FORWARD, readSysctl } from '../../lab/runtime/registry/sysctl.ts';

const TARGETED = 'www.facebook.com';
const CONTROL = 'control.example.kz';
const ANCHORS_ALL = '/tmp/anchors-with-rogue.pem';
const ANCHORS_PUBLIC = '/tmp/anchors-public.pem';
const CRASH_CHILD = fileURLToPath(new URL('./crash-child.ts', import.meta.url));
const TSX_LOADER = import.meta.resolve('tsx/esm');

interface CurlResult {
  exitCode: number;
  status: string;
  issuer?: string;
  stderr: string;
}

function parseCurl(exitCode: number, stdout: string, stderr: string): CurlResult {
  const issuer = /^\*\s+issuer: (.*)$/m.exec(stderr)?.[1];
  return { exitCode, status: stdout.trim(), stderr, ...(issuer ? { issuer } : {}) };
}

async function curlInClient(lab: ContainersLab, site: string, anchors: string): Promise<CurlResult> {
  const r = await lab.execInClient(['curl', '-sS', '-v', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '10', '--cacert', anchors, lab.urlFor(site)]);
  return parseCurl(r.exitCode, r.stdout, r.stderr);
}

function runAsync(command: string, args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ exitCode: code ?? -1, stdout, stderr }));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return check();
}

test('containers runtime: transparent gateway on podman', { timeout: 240_000 }, async (t) => {
  const availability = await containersRuntime.probe();
  if (!availability.available) {
    t.skip(availability.reason ?? 'containers runtime unavailable');
    return;
  }
  const forwardingBefore = readSysctl(IP_FORWARD);
  let session: ContainerSession;
  const setupStarted = Date.now();
  try {
    session = await acquireContainerSession();
  } catch (err) {
    const message = (err as Error).message;
    // only an engine that will not come up is a reason to skip; a broken image build is a failure
    if (/podman service|_ping|DOCKER_HOST/.test(message)) {
      t.skip(`container engine did not start: ${message}`);
      return;
    }
    throw err;
  }
  t.diagnostic(`engine ${session.engineStartMs} ms, images ${session.build.durationMs} ms, set-up ${Date.now() - setupStarted} ms`);
  for (const line of session.build.log.split('\n').filter((l) => l.startsWith('build: '))) t.diagnostic(line);

  const publicCa = await createAuthority('lab-public');
  const rogue = await createAuthority('qaznet-2019');
  const forger = await createForger(rogue, 'kz-2019');
  const origins = await Promise.all(
    [TARGETED, CONTROL].map(async (name) => {
      const cert = await issueServerCertificate(publicCa, { names: [name] });
      return { name, chainPem: cert.chainPem, keyPem: cert.keyPem };
    }),
  );
  const workDir = mkdtempSync(join(tmpdir(), 'tlslab-ctr-test-'));
  const rogueIssuing = rogue.intermediates[0] ?? rogue.root;
  const rogueIssuerCn = /CN=([^,]+)/.exec(new (await import('node:crypto')).X509Certificate(rogueIssuing.certPem).subject.replace(/\n/g, ','))?.[1];
  let lab: ContainersLab | undefined;
  // the clean-up checks below run even when the lab part fails; its error is rethrown at the end
  let labFailure: unknown;
  try {
    const upStarted = Date.now();
    lab = await containersRuntime.up({
      origins,
      interception: {
        targets: { names: new Set([TARGETED]) },
        forger,
        upstream: { verify: true, caPem: [publicCa.root.certPem] },
      },
      workDir,
    });
    t.diagnostic(`up ${Date.now() - upStarted} ms: ${JSON.stringify(lab.timings)}`);
    await lab.copyToClient([
      { content: publicCa.root.certPem + rogue.root.certPem, target: ANCHORS_ALL },
      { content: publicCa.root.certPem, target: ANCHORS_PUBLIC },
    ]);
    const running = lab;

    await t.test('intercepted: a client trusting the rogue root loads the page under the rogue issuer', async () => {
      const r = await curlInClient(running, TARGETED, ANCHORS_ALL);
      assert.equal(r.exitCode, 0, r.stderr.slice(-800));
      assert.equal(r.status, '200');
      assert.ok(rogueIssuerCn && r.issuer?.includes(rogueIssuerCn), `issuer ${r.issuer} should name ${rogueIssuerCn}`);
      // engine events come through the gateway's log, so they may trail the response a little
      const intercepted = () => running.engineEvents().some((e) => e.type === 'decision' && e.sni === TARGETED && e.action === 'intercept');
      assert.ok(await until(intercepted, 3_000), JSON.stringify(running.engineEvents().filter((e) => e.type === 'decision')));
    });

    await t.test('intercepted: a client trusting only the public PKI refuses (curl exit 60)', async () => {
      const r = await curlInClient(running, TARGETED, ANCHORS_PUBLIC);
      assert.equal(r.exitCode, 60, r.stderr.slice(-800));
    });

    await t.test('passthrough: the control site keeps its real issuer, through the gateway', async () => {
      const r = await curlInClient(running, CONTROL, ANCHORS_PUBLIC);
      assert.equal(r.exitCode, 0, r.stderr.slice(-800));
      assert.equal(r.status, '200');
      assert.match(r.issuer ?? '', /Lab Public/i);
      const passedThrough = () => running.engineEvents().some((e) => e.type === 'decision' && e.sni === CONTROL && e.action === 'passthrough');
      assert.ok(await until(passedThrough, 3_000), JSON.stringify(running.engineEvents().filter((e) => e.type === 'decision')));
      // the gateway sits on the path: the origin saw the gateway's address, not the client's.
      // Visits arrive through the container's log, a few hundred ms behind the response at worst.
      await until(() => running.originView(CONTROL).length > 0, 3_000);
      const peers = running.originView(CONTROL).map((v) => v.peer.replace(/^::ffff:/, ''));
      assert.deepEqual([...new Set(peers)], [running.addresses.gatewayOutside]);
    });

    await t.test('host-side client through the SNI door (the route the harness gets from routeFor)', async () => {
      const route = running.routeFor(TARGETED, 'direct');
      const anchors = join(workDir, 'anchors.pem');
      writeFileSync(anchors, publicCa.root.certPem + rogue.root.certPem);
      // asynchronously: the gateway asks this very process for forged leaves while curl waits
      const r = await runAsync('curl', ['-sS', '-v', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '10', '--cacert', anchors,
        '--connect-to', `${TARGETED}:443:${route.host}:${route.port}`, running.urlFor(TARGETED)]);
      const c = parseCurl(r.exitCode, r.stdout, r.stderr);
      assert.equal(c.exitCode, 0, c.stderr.slice(-800));
      assert.equal(c.status, '200');
      assert.ok(rogueIssuerCn && c.issuer?.includes(rogueIssuerCn), `issuer ${c.issuer}`);
    });

    await t.test('nothing leaks: the client has no default route, no outside address, no outside names', async () => {
      const routes = await running.execInClient(['ip', '-4', 'route']);
      assert.doesNotMatch(routes.stdout, /default/);
      const out = await running.execInClient(['curl', '-sS', '--max-time', '3', 'https://1.1.1.1/']);
      assert.equal(out.exitCode, 7, `expected "couldn't connect" (7), got ${out.exitCode}: ${out.stderr}`);
      const name = await running.execInClient(['curl', '-sS', '--max-time', '3', 'https://example.com/']);
      assert.equal(name.exitCode, 6, `expected "could not resolve" (6), got ${name.exitCode}: ${name.stderr}`);
    });
  } catch (err) {
    labFailure = err;
  } finally {
    const downStarted = Date.now();
    await lab?.down();
    t.diagnostic(`down ${Date.now() - downStarted} ms`);
    rmSync(workDir, { recursive: true, force: true });
  }

  await t.test('a SIGKILLed lab process is cleaned up by its supervisor', async () => {
    const child = spawn(process.execPath, ['--import', TSX_LOADER, CRASH_CHILD, JSON.stringify(session.build.images)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const reported = await until(() => out.includes('\n'), 60_000);
    assert.ok(reported, `crash child never reported: ${err.slice(-800)}`);
    const info = JSON.parse(out.split('\n')[0]!) as { servicePid: number; serviceDir: string; container: string; network: string };
    const before = await listLabelled(session.engine.endpoint);
    assert.ok(before.containers.includes(info.container), 'the child container should exist before the kill');
    child.kill('SIGKILL');
    const cleaned = await until(async () => {
      const left = await listLabelled(session.engine.endpoint);
      return !left.containers.includes(info.container) && !left.networks.includes(info.network) && !alive(info.servicePid);
    }, 30_000);
    assert.ok(cleaned, 'the supervisor should remove the container and network and stop the service');
    assert.ok(await until(() => !existsSync(info.serviceDir), 5_000), 'the service dir should be removed');
  });

  await t.test('clean-up: no lab-labelled containers or networks remain, the service is gone', async () => {
    const left = await listLabelled(session.engine.endpoint);
    assert.deepEqual(left, { containers: [], networks: [] });
    const pid = session.engine.servicePid;
    await shutdownContainerSession();
    if (pid !== undefined) assert.ok(await until(() => !alive(pid), 5_000), 'podman service still running');
    if (session.engine.serviceDir) assert.equal(existsSync(session.engine.serviceDir), false);
    // netavark switched routing on for its bridges; with them gone the host is as it was
    assert.equal(readSysctl(IP_FORWARD), forwardingBefore);
  });
  if (labFailure) throw labFailure;
});
