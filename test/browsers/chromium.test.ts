/**
 * Debian's Chromium against a real loopback origin: the exact net:: error per trust set-up, the
 * chain it verified, and the CRLSet verdicts Chrome used against Qaznet (2019) and ISCA (2020).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chromiumShim } from '../../lab/clients/chromium.ts';
import { startBrowserTestLab, target, type BrowserTestLab } from './lab.ts';
import { assertLoaded, assertRefused, assertScreenshot, withSession } from './session.ts';

const availability = await chromiumShim.probe();

describe('chromium shim', { skip: availability.available ? false : availability.reason, timeout: 180_000 }, () => {
  let lab: BrowserTestLab;
  before(async () => { lab = await startBrowserTestLab(); });
  after(async () => { await lab?.close(); });

  it('refuses the forged chain when the rogue root is not installed, and loads the legit origin', async () => {
    await withSession(chromiumShim, { anchors: [lab.roots.public.file] }, async (session) => {
      const forged = await session.visit(target('www.google.com', lab.direct));
      assertRefused(forged, 'net::ERR_CERT_AUTHORITY_INVALID');
      assert.match(forged.chain?.issuer ?? '', /Lab Rogue rogue CA/);
      await assertScreenshot(forged);
      assertLoaded(await session.visit(target('www.wikipedia.org', lab.direct)), lab.roots.public.spki);
    });
  });

  it('loads through the installed rogue root on direct and CONNECT routes, reporting the verified chain', async () => {
    const state = { anchors: [lab.roots.public.file, lab.roots.rogue.file, lab.roots.qaznet2019.file] };
    await withSession(chromiumShim, state, async (session) => {
      const direct = await session.visit(target('www.google.com', lab.direct));
      assertLoaded(direct, lab.roots.rogue.spki);
      assert.match(direct.chain?.leafSubject ?? '', /www\.google\.com/);
      await assertScreenshot(direct);
      assertLoaded(await session.visit(target('vk.com', lab.connect)), lab.roots.rogue.spki);
      // Chrome blocks Qaznet by SPKI: a clone with the real name and serial but a lab key loads
      assertLoaded(await session.visit(target('qaznet-clone.lab.test', lab.direct)), lab.roots.qaznet2019.spki);
    });
  });

  it('refuses a root that the NSS db explicitly distrusts (p,p,p)', async () => {
    const state = { anchors: [lab.roots.rogue.file], distrust: [lab.roots.rogue.file] };
    await withSession(chromiumShim, state, async (session) => {
      assertRefused(await session.visit(target('www.google.com', lab.direct)), 'net::ERR_CERT_AUTHORITY_INVALID');
    });
  });

  it('applies a CRLSet: BlockedSPKIs, BlockedInterceptionSPKIs and KnownInterceptionSPKIs', async () => {
    const roots = lab.roots;
    const state = {
      anchors: [roots.public.file, roots.blocked.file, roots.interception.file, roots.known.file],
      blockSpki: [roots.blocked.spki],
      blockInterceptionSpki: [roots.interception.spki],
      knownInterceptionSpki: [roots.known.spki],
    };
    await withSession(chromiumShim, state, async (session) => {
      const blocked = await session.visit(target('blocked.lab.test', lab.direct));
      assertRefused(blocked, 'net::ERR_CERT_REVOKED');
      assert.match(blocked.detail ?? '', /CRLSet active after \d+ ms/);
      await assertScreenshot(blocked);
      assertRefused(await session.visit(target('interception.lab.test', lab.connect)), 'net::ERR_CERT_KNOWN_INTERCEPTION_BLOCKED');
      // Chrome only shows an infobar here; the shim reads the status bit from the NetLog
      const known = await session.visit(target('known.lab.test', lab.direct));
      assert.equal(known.outcome, 'flagged', JSON.stringify(known));
      assert.equal(known.error, 'CERT_STATUS_KNOWN_INTERCEPTION_DETECTED');
      assert.equal(known.chain?.rootSpkiSha256, roots.known.spki);
      assertLoaded(await session.visit(target('www.wikipedia.org', lab.direct)), roots.public.spki);
    });
  });
});
