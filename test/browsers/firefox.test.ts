/**
 * Firefox ESR against a real loopback origin through a CONNECT relay: the exact NSS/pkix error per
 * trust set-up, the chain, OneCRL (shipped and injected), strict pinning and the MITM detector.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { firefoxShim } from '../../lab/clients/firefox.ts';
import { startBrowserTestLab, target, type BrowserTestLab } from './lab.ts';
import { assertLoaded, assertRefused, assertScreenshot, withSession } from './session.ts';

const availability = await firefoxShim.probe();

describe('firefox shim', { skip: availability.available ? false : availability.reason, timeout: 180_000 }, () => {
  let lab: BrowserTestLab;
  before(async () => { lab = await startBrowserTestLab(); });
  after(async () => { await lab?.close(); });

  it('refuses the forged chain when the rogue root is not installed, and loads the legit origin', async () => {
    await withSession(firefoxShim, { anchors: [lab.roots.public.file] }, async (session) => {
      const forged = await session.visit(target('vk.com', lab.connect));
      assertRefused(forged, 'SEC_ERROR_UNKNOWN_ISSUER');
      assert.match(forged.chain?.issuer ?? '', /Lab Rogue rogue CA/);
      await assertScreenshot(forged);
      assertLoaded(await session.visit(target('www.wikipedia.org', lab.connect)), lab.roots.public.spki);
      const direct = await session.visit(target('vk.com', lab.direct));
      assert.equal(direct.outcome, 'skipped');
    });
  });

  it('loads through the installed rogue root (pinned names too, at the default pinning level)', async () => {
    await withSession(firefoxShim, { anchors: [lab.roots.rogue.file] }, async (session) => {
      const pinned = await session.visit(target('www.google.com', lab.connect));
      assertLoaded(pinned, lab.roots.rogue.spki);
      assert.match(pinned.detail ?? '', /builtInRoot=false/);
      await assertScreenshot(pinned);
    });
  });

  it('refuses a root that cert9.db explicitly distrusts (p,p,p)', async () => {
    const state = { anchors: [lab.roots.rogue.file], distrust: [lab.roots.rogue.file] };
    await withSession(firefoxShim, state, async (session) => {
      assertRefused(await session.visit(target('vk.com', lab.connect)), 'SEC_ERROR_UNTRUSTED_ISSUER');
    });
  });

  it('revokes through OneCRL: the lab entry by subject+key, and the shipped 2019 Qaznet record', async () => {
    const roots = lab.roots;
    const state = { anchors: [roots.public.file, roots.blocked.file, roots.rogue.file, roots.qaznet2019.file], blockSpki: [roots.blocked.spki] };
    await withSession(firefoxShim, state, async (session) => {
      assertRefused(await session.visit(target('blocked.lab.test', lab.connect)), 'SEC_ERROR_REVOKED_CERTIFICATE');
      assertRefused(await session.visit(target('qaznet-clone.lab.test', lab.connect)), 'SEC_ERROR_REVOKED_CERTIFICATE');
      assertLoaded(await session.visit(target('vk.com', lab.connect)), roots.rogue.spki);
    });
  });

  it('enforces static pins for a user-installed root only at pinning level 2', async () => {
    const state = { anchors: [lab.roots.rogue.file], settings: { firefox: { pinningLevel: 2 } } };
    await withSession(firefoxShim, state, async (session) => {
      assertRefused(await session.visit(target('www.youtube.com', lab.connect)), 'MOZILLA_PKIX_ERROR_KEY_PINNING_FAILURE');
      assertLoaded(await session.visit(target('vk.com', lab.connect)), lab.roots.rogue.spki);
    });
  });

  it('names the interceptor once its priming endpoint is intercepted too (MITM_DETECTED)', async () => {
    const state = { anchors: [lab.roots.public.file], settings: { mitmPrimingEndpoint: 'https://mitm-priming.lab.test/' } };
    await withSession(firefoxShim, state, async (session) => {
      const detected = await session.visit(target('vk.com', lab.connect));
      assertRefused(detected, 'MOZILLA_PKIX_ERROR_MITM_DETECTED');
      assert.match(detected.chain?.issuer ?? "", /Lab Rogue rogue CA/);
      assert.match(detected.detail ?? "", /mitmCanaryIssuer=\S*CN=Lab Rogue rogue CA/);
      assertLoaded(await session.visit(target('www.wikipedia.org', lab.connect)), lab.roots.public.spki);
    });
  });
});
