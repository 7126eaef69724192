import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuthority, createForger, issueServerCertificate, type AuthorityMaterial } from '../../lab/ca/index.ts';
import { createNetnsRuntime, netnsRuntime, type NetnsLabHandle } from '../../lab/runtime/netns/runtime.ts';
import { installSystemTrust } from '../../lab/runtime/netns/etc-files.ts';
import { localiseInterceptor } from '../../lab/runtime/netns/ttl-localise.ts';
import { startCapture } from '../../lab/runtime/netns/capture.ts';
import { runCommand } from '../../lab/runtime/netns/process.ts';
import { skipReason } from './support.ts';

const engineMissing = !existsSync(new URL('../../lab/proxy/index.ts', import.meta.url)) && 'the engine (lab/proxy/index.ts, startEngine with mode "transparent") is not in the tree yet';

test('netns Runtime with the real engine: SNI-selective transparent interception, events, origin view, TTL hop, decrypted capture', { skip: skipReason || engineMissing, timeout: 90_000 }, async () => {
  const work = mkdtempSync(join(tmpdir(), 'tlslab-netns-runtime-'));
  const [pub, rogue] = await authorities();
  const origins = await Promise.all(
    ['facebook.com', 'example.org'].map(async (name) => ({ name, ...(await issueServerCertificate(pub, { names: [name] })) })),
  );
  const lab = (await createNetnsRuntime({ routersBeforeGateway: 2, clientsRunInLab: true }).up({
    origins,
    workDir: work,
    interception: {
      targets: { names: new Set(['facebook.com']) },
      forger: await createForger(rogue, 'modern'),
      upstream: { verify: true, caPem: [pub.root.certPem] },
    },
  })) as NetnsLabHandle;
  try {
    const netns = lab.netns;
    await installSystemTrust(netns.holder, netns.ns('client'), [pub.root.certPem, rogue.root.certPem]);
    const curl = async (site: string, path = '/'): Promise<string> => {
      const r = await runCommand(lab.clientArgv(['curl', '-sS', '-v', '--max-time', '8', `${lab.urlFor(site).replace(/\/$/, '')}${path}`], work));
      assert.equal(r.code, 0, r.stderr);
      return /issuer: (.*)/.exec(r.stderr)?.[1] ?? '';
    };
    assert.ok((await curl('facebook.com')).includes(cn(rogue)), 'targeted name gets the forged chain');
    assert.ok((await curl('example.org')).includes(cn(pub)), 'other names pass through untouched');

    const decisions = lab.engineEvents().filter((e) => e.type === 'decision');
    assert.deepEqual(decisions.map((d) => [d.type === 'decision' && d.action, d.type === 'decision' && d.sni]), [['intercept', 'facebook.com'], ['passthrough', 'example.org']]);
    // SNI-selected pass-through is still spliced by the gateway: the origin sees the gateway's address
    await waitFor(() => lab.originView('example.org').length > 0);
    assert.equal(lab.originView('example.org')[0]?.peer, netns.address('gw', 'origin-s1'));
    assert.equal(lab.routeFor('facebook.com', 'direct').port, 443);
    assert.throws(() => lab.routeFor('facebook.com', 'connect'), /only direct/);

    const hop = await localiseInterceptor(netns, { site: 'facebook.com', controlSni: 'example.org', genuineIssuersPem: [pub.root.certPem, ...pub.intermediates.map((i) => i.certPem)] });
    assert.equal(hop.interceptorHop, netns.hop('gw'));
    assert.equal(hop.interceptorHost, 'gw');

    const pcap = join(work, 'cell.pcapng');
    const capture = await startCapture(netns, 'gw', netns.plan.gatewayInside, pcap, 'tcp port 443');
    await curl('facebook.com', '/secret-cell-path');
    await capture.stop();
    const shown = spawnSync('tshark', ['-n', '-r', pcap, '-o', `tls.keylog_file:${join(work, 'engine-keys.log')}`, '-Y', 'http.request', '-T', 'fields', '-e', 'http.request.uri'], { encoding: 'utf8' });
    assert.match(shown.stdout, /\/secret-cell-path/);
  } finally {
    await lab.down();
    rmSync(work, { recursive: true, force: true });
  }
});

function cn(a: AuthorityMaterial): string {
  return new X509Certificate((a.intermediates[0] ?? a.root).certPem).subject.split('\n').find((l) => l.startsWith('CN='))!;
}

test('netns Runtime, destination selection with the real engine: untargeted sites are not terminated at all', { skip: skipReason || engineMissing, timeout: 90_000 }, async () => {
  const work = mkdtempSync(join(tmpdir(), 'tlslab-netns-runtime-'));
  const [pub, rogue] = await authorities();
  const origins = await Promise.all(
    ['facebook.com', 'example.org'].map(async (name) => ({ name, ...(await issueServerCertificate(pub, { names: [name] })) })),
  );
  const lab = (await createNetnsRuntime({ routersBeforeGateway: 2, selection: 'destinations', clientsRunInLab: true }).up({
    origins,
    workDir: work,
    interception: { targets: { names: new Set(['facebook.com']) }, forger: await createForger(rogue, 'modern'), upstream: { verify: true, caPem: [pub.root.certPem] } },
  })) as NetnsLabHandle;
  try {
    const netns = lab.netns;
    await installSystemTrust(netns.holder, netns.ns('client'), [pub.root.certPem, rogue.root.certPem]);
    for (const site of ['facebook.com', 'example.org']) {
      const r = await runCommand(lab.clientArgv(['curl', '-sS', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '8', lab.urlFor(site)], work));
      assert.equal(r.stdout, '200', r.stderr);
    }
    await waitFor(() => lab.originView('example.org').length > 0 && lab.originView('facebook.com').length > 0);
    assert.equal(lab.originView('example.org')[0]?.peer, netns.address('client'), 'the untargeted origin sees the client itself');
    assert.equal(lab.originView('facebook.com')[0]?.peer, netns.address('gw', 'origin-s0'), 'the targeted origin sees the box');
    assert.deepEqual(lab.engineEvents().filter((e) => e.type === 'decision').map((e) => e.type === 'decision' && e.sni), ['facebook.com']);

    const hop = await localiseInterceptor(netns, { site: 'facebook.com', controlSni: 'example.org', controlAddress: netns.address('origin-s1'), genuineIssuersPem: [pub.root.certPem, ...pub.intermediates.map((i) => i.certPem)] });
    assert.deepEqual([hop.interceptorHop, hop.interceptorHost, hop.originHop], [netns.hop('gw'), 'gw', netns.hop('gw') + 1]);
  } finally {
    await lab.down();
    rmSync(work, { recursive: true, force: true });
  }
});

test('netns Runtime without interception: the gateway only forwards, origins see the client, clients run only in the client namespace', { skip: skipReason, timeout: 60_000 }, async () => {
  const work = mkdtempSync(join(tmpdir(), 'tlslab-netns-runtime-'));
  const runtime = createNetnsRuntime({ routersBeforeGateway: 1, clientsRunInLab: true });
  assert.deepEqual(await runtime.probe(), { available: true });
  const pub = await createAuthority('lab-public');
  const origins = [{ name: 'example.org', ...(await issueServerCertificate(pub, { names: ['example.org'] })) }];
  const lab = (await runtime.up({ origins, workDir: work })) as NetnsLabHandle;
  try {
    await installSystemTrust(lab.netns.holder, lab.netns.ns('client'), [pub.root.certPem]);
    assert.equal(lab.urlFor('example.org'), 'https://example.org/');
    assert.deepEqual(lab.routeFor('example.org', 'direct'), { kind: 'direct', host: lab.netns.address('origin-s0'), port: 443 });
    const argv = lab.clientArgv(['curl', '-sS', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '5', lab.urlFor('example.org')], work);
    assert.ok(argv.includes(lab.netns.ns('client')), 'the client command is wrapped into the client namespace');
    const r = await runCommand(argv);
    assert.equal(r.stdout, '200', r.stderr);
    await waitFor(() => lab.originView('example.org').length > 0);
    assert.equal(lab.originView('example.org')[0]?.peer, lab.netns.address('client'));
    assert.equal(lab.originView('example.org')[0]?.sni, 'example.org');
    assert.deepEqual(lab.engineEvents(), []);
  } finally {
    await lab.down();
    rmSync(work, { recursive: true, force: true });
  }
});

async function waitFor(cond: () => boolean, timeoutMs = 2000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
}

test('netns Runtime refuses to come up for a harness that would start clients on the host', async () => {
  const probe = await netnsRuntime.probe();
  assert.equal(probe.available, false);
  assert.match(probe.reason ?? '', /clients must run inside the lab/);
  await assert.rejects(netnsRuntime.up({ origins: [], workDir: tmpdir() }), /clients must run inside the lab/);
});

let cachedAuthorities: Promise<[AuthorityMaterial, AuthorityMaterial]> | undefined;
/** the real 2019 preset once per file: its RSA key takes seconds to generate */
function authorities(): Promise<[AuthorityMaterial, AuthorityMaterial]> {
  cachedAuthorities ??= Promise.all([createAuthority('lab-public'), createAuthority('qaznet-2019')]);
  return cachedAuthorities;
}
