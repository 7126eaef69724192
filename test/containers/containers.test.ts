/**
 * The containers runtime on podman: one topology (two client containers, DNS, a router, the
 * transparent gateway, two origins), curl started the way the harness starts every client
 * (through a lane's launcher, inside its client container) for an intercepted and an untargeted
 * site, by name and through the CONNECT door; the lane a connection came from; the TTL sweep
 * through the router; leak checks; clean-up (normal and after a SIGKILL). Skipped, with the
 * reason, where podman is missing or its service won't start.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAuthority, createForger, issueServerCertificate } from '../../lab/ca/index.ts';
import { runClient } from '../../lab/clients/process.ts';
import type { ClientLauncher } from '../../lab/clients/types.ts';
import {
  acquireContainerSession,
  containersRuntime,
  DEFAULT_ROUTERS,
  listLabelled,
  shutdownContainerSession,
  type ContainerSession,
  type ContainersLab,
} from '../../lab/runtime/containers/index.ts';
import { inSubnet } from '../../lab/runtime/containers/networks.ts';
import { hostOf } from '../../lab/runtime/lanes.ts';
import { IP_FORWARD, readSysctl } from '../../lab/runtime/registry/sysctl.ts';
import { sysctlHoldDir } from '../../lab/runtime/registry/paths.ts';
import { currentRunId } from '../../lab/runtime/registry/identity.ts';
import { callEngineJson, labelFilter } from '../../lab/runtime/containers/engine-api.ts';
import { REGISTRY_RUN_LABEL } from '../../lab/runtime/containers/labels.ts';

const TARGETED = 'www.facebook.com';
const CONTROL = 'control.example.kz';
const CRASH_CHILD = fileURLToPath(new URL('./crash-child.ts', import.meta.url));
const TSX_LOADER = import.meta.resolve('tsx/esm');

interface CurlResult {
  exitCode: number | null;
  status: string;
  issuer?: string;
  stderr: string;
}

/** curl as the curl shim runs it: through the lane's launcher, inside the client container */
async function curlThrough(launcher: ClientLauncher, url: string, anchors: string, extra: string[] = []): Promise<CurlResult> {
  const r = await runClient('curl', ['-sS', '-v', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '10', '--cacert', anchors, ...extra, url], { timeoutMs: 20_000, launcher });
  const issuer = /^\*\s+issuer: (.*)$/m.exec(r.stderr)?.[1];
  return { exitCode: r.exitCode, status: r.stdout.trim(), stderr: r.stderr, ...(issuer ? { issuer } : {}) };
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

test('containers runtime: clients in their lanes\' containers, the gateway on their path, on podman', { timeout: 240_000 }, async (t) => {
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
  const rogueIssuerCn = /CN=([^,]+)/.exec(new X509Certificate(rogueIssuing.certPem).subject.replace(/\n/g, ','))?.[1];
  // trust files live under the topology's work dir, as the harness's client work dirs do: the client containers mount it
  const anchorsAll = join(workDir, 'anchors-with-rogue.pem');
  const anchorsPublic = join(workDir, 'anchors-public.pem');
  writeFileSync(anchorsAll, publicCa.root.certPem + rogue.root.certPem);
  writeFileSync(anchorsPublic, publicCa.root.certPem);
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
      lanes: 2,
    });
    t.diagnostic(`up ${Date.now() - upStarted} ms: ${JSON.stringify(lab.timings)}`);
    const running = lab;
    const [lane1, lane2] = [await running.lease(), await running.lease()];
    const launcher1 = lane1.clientLauncher!;
    const launcher2 = lane2.clientLauncher!;
    const acceptedFrom = (site: string) =>
      running.engineEvents().flatMap((e) => (e.type === 'accepted' && running.engineEvents().some((h) => h.type === 'client-hello' && h.conn === e.conn && h.sni === site) ? [hostOf(e.remote)] : []));

    await t.test('intercepted: a client trusting the rogue root loads the page under the rogue issuer, from its own container', async () => {
      const r = await curlThrough(launcher1, running.urlFor(TARGETED), anchorsAll);
      assert.equal(r.exitCode, 0, r.stderr.slice(-800));
      assert.equal(r.status, '200');
      assert.ok(rogueIssuerCn && r.issuer?.includes(rogueIssuerCn), `issuer ${r.issuer} should name ${rogueIssuerCn}`);
      const intercepted = () => running.engineEvents().some((e) => e.type === 'decision' && e.sni === TARGETED && e.action === 'intercept');
      assert.ok(await until(intercepted, 3_000), JSON.stringify(running.engineEvents().filter((e) => e.type === 'decision')));
      // no NAT on the way: the box saw lane 1's client container itself
      assert.deepEqual([...new Set(acceptedFrom(TARGETED))], [running.addresses.clients[0]]);
    });

    await t.test('intercepted: a client trusting only the public PKI refuses (curl exit 60)', async () => {
      const r = await curlThrough(launcher2, running.urlFor(TARGETED), anchorsPublic);
      assert.equal(r.exitCode, 60, r.stderr.slice(-800));
      assert.ok(acceptedFrom(TARGETED).includes(running.addresses.clients[1]!), 'lane 2 came from its own container');
    });

    await t.test('untargeted: the control site never meets the box; the origin sees the client container', async () => {
      const r = await curlThrough(launcher2, running.urlFor(CONTROL), anchorsPublic);
      assert.equal(r.exitCode, 0, r.stderr.slice(-800));
      assert.equal(r.status, '200');
      assert.match(r.issuer ?? '', /Lab Public/i);
      await lane2.release();
      await lane1.release();
      assert.equal(running.engineEvents().some((e) => e.type === 'client-hello' && e.sni === CONTROL), false);
      const peers = running.originView(CONTROL).map((v) => hostOf(v.peer));
      assert.deepEqual([...new Set(peers)], [running.addresses.clients[1]]);
    });

    await t.test('through the CONNECT door: intercepted the same way', async () => {
      const r = await curlThrough(launcher1, running.urlFor(TARGETED), anchorsAll, ['-x', `http://${running.routeFor(TARGETED, 'connect').host}:${running.routeFor(TARGETED, 'connect').port}`]);
      assert.equal(r.exitCode, 0, r.stderr.slice(-800));
      assert.ok(rogueIssuerCn && r.issuer?.includes(rogueIssuerCn), `issuer ${r.issuer}`);
    });

    await t.test('TTL sweep from a client container: the forged certificate comes from the gateway hop, the genuine one from the next', async () => {
      const found = await running.localise!({ sites: [TARGETED], control: CONTROL, genuineIssuersPem: [publicCa.root.certPem, ...publicCa.intermediates.map((i) => i.certPem)] });
      t.diagnostic(`localisation: ${JSON.stringify(found)}`);
      const gatewayHop = DEFAULT_ROUTERS + 1;
      assert.deepEqual(
        { hop: found.probes[0]?.interceptorHop, host: found.probes[0]?.interceptorHost, originHop: found.control.originHop, originHost: found.control.originHost },
        { hop: gatewayHop, host: 'gw', originHop: gatewayHop + 1, originHost: 'origin' },
      );
    });

    await t.test('nothing leaks: no default route, no outside address or name; the host has no address or route in the lab', async () => {
      const routes = await running.execInClient(['ip', '-4', 'route']);
      assert.doesNotMatch(routes.stdout, /default/);
      const out = await running.execInClient(['curl', '-sS', '--max-time', '3', 'https://1.1.1.1/']);
      assert.equal(out.exitCode, 7, `expected "couldn't connect" (7), got ${out.exitCode}: ${out.stderr}`);
      const name = await running.execInClient(['curl', '-sS', '--max-time', '3', 'https://example.com/']);
      assert.equal(name.exitCode, 6, `expected "could not resolve" (6), got ${name.exitCode}: ${name.stderr}`);
      const hostAddresses = [...spawnSync('ip', ['-4', '-o', 'addr'], { encoding: 'utf8' }).stdout.matchAll(/inet (\d+\.\d+\.\d+\.\d+)\//g)].map((m) => m[1]!);
      const labSubnets = [running.addresses.clientsSubnet, running.addresses.internetSubnet];
      assert.deepEqual(hostAddresses.filter((a) => labSubnets.some((n) => inSubnet(a, n))), []);
      const hostRoutes = spawnSync('ip', ['-4', 'route'], { encoding: 'utf8' }).stdout;
      for (const subnet of labSubnets) assert.ok(!hostRoutes.includes(subnet), `the host routes ${subnet}: ${hostRoutes}`);
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
    const child = spawn(process.execPath, ['--import', TSX_LOADER, CRASH_CHILD, session.build.image], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const reported = await until(() => out.includes('\n'), 60_000);
    assert.ok(reported, `crash child never reported: ${err.slice(-800)}`);
    const info = JSON.parse(out.split('\n')[0]!) as { servicePid: number; serviceDir: string; container: string; network: string; shared: string };
    const before = await listLabelled(session.engine.endpoint);
    assert.ok(before.containers.includes(info.container), 'the child container should exist before the kill');
    child.kill('SIGKILL');
    const cleaned = await until(async () => {
      const left = await listLabelled(session.engine.endpoint);
      return !left.containers.includes(info.container) && !left.networks.includes(info.network) && !alive(info.servicePid);
    }, 30_000);
    assert.ok(cleaned, 'the supervisor should remove the container and network and stop the service');
    assert.ok(await until(() => !existsSync(info.serviceDir), 5_000), 'the service dir should be removed');
    assert.ok(await until(() => !existsSync(info.shared), 5_000), 'the shared dir should be removed');
  });

  await t.test('clean-up: nothing of this process is labelled any more, the service is gone, ip_forward as it was', async () => {
    // other people's runs may share the lab's storage: only this process's run counts
    const filter = labelFilter([`${REGISTRY_RUN_LABEL}=${currentRunId()}`]);
    const containersLeft = await callEngineJson<unknown[]>(session.engine.endpoint, 'GET', `/containers/json?all=true&filters=${filter}`);
    const networksLeft = await callEngineJson<unknown[]>(session.engine.endpoint, 'GET', `/networks?filters=${filter}`);
    assert.deepEqual({ containers: containersLeft.length, networks: networksLeft.length }, { containers: 0, networks: 0 });
    const pid = session.engine.servicePid;
    await shutdownContainerSession();
    if (pid !== undefined) assert.ok(await until(() => !alive(pid), 5_000), 'podman service still running');
    if (session.engine.serviceDir) assert.equal(existsSync(session.engine.serviceDir), false);
    // netavark switched routing on for its bridges; with them gone the host is as it was, unless
    // another run (someone else's) still holds it: then its last holder puts it back
    const hold = join(sysctlHoldDir(), `${IP_FORWARD}.json`);
    const otherHolders = existsSync(hold) ? (JSON.parse(readFileSync(hold, 'utf8')) as { holders: unknown[] }).holders.length : 0;
    if (otherHolders > 0) t.diagnostic(`ip_forward is still held by ${otherHolders} other run(s)`);
    else assert.equal(readSysctl(IP_FORWARD), forwardingBefore);
  });
  if (labFailure) throw labFailure;
});
