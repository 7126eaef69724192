/**
 * Browsers inside the netns lab's client namespace, started the way the harness starts them
 * (clientLauncherFor): the origin's own view proves where the browser ran, a loaded page proves
 * the harness drove it over the control bridge, and Chromium's CRLSet verdict proves its canary
 * origin answered inside the namespace.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { spkiSha256 } from '../../lab/ca/index.ts';
import { chromiumShim } from '../../lab/clients/chromium.ts';
import { firefoxShim } from '../../lab/clients/firefox.ts';
import type { ClientShim, TrustState, VisitTarget } from '../../lab/clients/types.ts';
import { clientLauncherFor } from '../../lab/runtime/netns/runtime.ts';
import { upFixture, type Fixture } from './lab-fixture.ts';
import { skipReason } from './support.ts';

const [chromium, firefox] = await Promise.all([chromiumShim.probe(), firefoxShim.probe()]);

describe('browsers in the netns client namespace', { skip: skipReason, timeout: 60_000 }, () => {
  let f: Fixture;
  let state: TrustState;
  before(async () => {
    f = await upFixture();
    const pub = join(f.work, 'lab-public.pem');
    const rogue = join(f.work, 'rogue.pem');
    writeFileSync(pub, f.pub.root.certPem);
    writeFileSync(rogue, f.rogue.root.certPem);
    // the blocked root is not in facebook.com's chain: the page loads once the CRLSet is live
    state = { anchors: [pub, rogue], blockSpki: [spkiSha256(f.rogue.root.certPem).base64] };
  });
  after(async () => { await f?.close(); });

  const facebook = (): VisitTarget => ({
    site: 'facebook.com',
    url: 'https://facebook.com/',
    route: { kind: 'direct', host: f.facebook.address, port: 443 },
    timeoutMs: 15_000,
  });

  async function visitInLab(shim: ClientShim, trust: TrustState) {
    const workDir = join(f.work, shim.name);
    mkdirSync(workDir);
    const home = join(f.work, `${shim.name}-home`);
    mkdirSync(home);
    const session = await shim.prepare(trust, workDir, { launcher: clientLauncherFor(f.lab, home) });
    try {
      return await session.visit(facebook());
    } finally {
      await session.close();
    }
  }

  it('chromium loads through the bridge, from the client namespace, with its CRLSet live', { skip: chromium.available ? false : chromium.reason }, async () => {
    const seen = f.facebook.visits.length;
    const observation = await visitInLab(chromiumShim, state);
    assert.equal(observation.outcome, 'loaded', observation.detail);
    assert.match(observation.detail ?? '', /CRLSet active after \d+ ms/);
    assert.deepEqual([...new Set(f.facebook.visits.slice(seen).map((v) => v.peer))], [f.lab.address('client')]);
  });

  it('firefox goes direct by name through the lab DNS, from the client namespace', { skip: firefox.available ? false : firefox.reason }, async () => {
    const seen = f.facebook.visits.length;
    const observation = await visitInLab(firefoxShim, { anchors: state.anchors });
    assert.equal(observation.outcome, 'loaded', observation.detail);
    assert.deepEqual([...new Set(f.facebook.visits.slice(seen).map((v) => v.peer))], [f.lab.address('client')]);
  });
});
