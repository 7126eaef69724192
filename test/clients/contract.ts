/**
 * The behaviour every client shim owes the harness, run against a real TLS origin: trusted chain
 * loads, the rogue chain is refused with the client's exact error, pins are enforced where the
 * client pins (and ignored, so the page loads, where it cannot), and a missing binary is a skip.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ClientShim, Observation, Route } from '../../lab/clients/types.ts';
import { connectVia, directTo, startTestLab, trustPublic, visitTarget, type TestLab } from './lab.ts';
import { startConnectProxy } from './servers.ts';

export interface ShimExpectations {
  makeShim: () => ClientShim;
  /** the same shim pointed at a binary that does not exist */
  makeMissingShim?: () => ClientShim;
  untrustedError: string | RegExp;
  /** the error for a pin no chain certificate has; undefined = the client cannot pin (loads) */
  pinMismatchError?: string | RegExp;
  /** curl pins the leaf only: a root pin is a mismatch for it and a match for chain pinners */
  pinsLeafOnly?: boolean;
  routes: Route['kind'][];
  /** the refused chain must come from the client's own output, not the probe */
  chainFromClientOnRefusal?: boolean;
  timeoutMs?: number;
}

function assertErrorMatches(observation: Observation, expected: string | RegExp): void {
  if (typeof expected === 'string') assert.equal(observation.error, expected, observation.detail);
  else assert.match(observation.error ?? '', expected, observation.detail);
}

export function describeShim(name: string, expect: ShimExpectations): void {
  // Tests are independent (own session, own workDir), so they overlap: JVM and interpreter starts dominate.
  describe(`${name} shim`, { timeout: 120_000, concurrency: true }, () => {
    let lab: TestLab;
    // One shim for every session, as the harness uses it: availability is probed once.
    let shim: ClientShim;
    const preferredRoute = (): Route => (expect.routes.includes('direct') ? directTo(lab.publicOrigin) : connectVia(lab.publicProxy));
    const rogueRoute = (): Route => (expect.routes.includes('direct') ? directTo(lab.rogueOrigin) : connectVia(lab.rogueProxy));

    before(async () => {
      lab = await startTestLab();
      shim = expect.makeShim();
    });
    after(async () => {
      await lab.close();
    });

    it('reports itself available with a version', async () => {
      const availability = await shim.probe();
      assert.equal(availability.available, true, availability.reason);
      assert.ok(availability.version, 'version');
    });

    it('declares its routes and whether it pins', () => {
      assert.deepEqual(shim.routes, expect.routes);
      assert.equal(shim.pins, expect.pinMismatchError !== undefined);
    });

    it('loads the site when the chain ends at a trusted anchor, and reports that chain', async () => {
      const session = await shim.prepare(trustPublic(lab), lab.workDir(name));
      try {
        const observation = await session.visit(visitTarget(preferredRoute(), expect.timeoutMs));
        assert.equal(observation.outcome, 'loaded', `${observation.error} ${observation.detail}`);
        assert.equal(observation.status, 200);
        assert.equal(observation.chain?.leafSpkiSha256, lab.pki.publicLeaf.spkiSha256);
        assert.match(observation.chain?.issuer ?? '', /CN=Lab Public Root/);
        assert.equal(observation.chain?.rootSpkiSha256, lab.pki.publicRoot.spkiSha256);
        assert.ok(observation.durationMs >= 0);
      } finally {
        await session.close();
      }
    });

    it('refuses the rogue chain with its own error and shows the rogue issuer', async () => {
      const session = await shim.prepare(trustPublic(lab), lab.workDir(name));
      try {
        const observation = await session.visit(visitTarget(rogueRoute(), expect.timeoutMs));
        assert.equal(observation.outcome, 'refused', observation.detail);
        assertErrorMatches(observation, expect.untrustedError);
        assert.match(observation.chain?.issuer ?? '', /CN=Rogue Security Certificate/);
        assert.equal(observation.chain?.leafSpkiSha256, lab.pki.rogueLeaf.spkiSha256);
        if (expect.chainFromClientOnRefusal) assert.equal(observation.chainSource, 'client');
      } finally {
        await session.close();
      }
    });

    it('loads the rogue chain once the rogue root is installed (the campaign\'s ask)', async () => {
      const state = { anchors: [lab.pki.publicRoot.certPath, lab.pki.rogueRoot.certPath] };
      const session = await shim.prepare(state, lab.workDir(name));
      try {
        const observation = await session.visit(visitTarget(rogueRoute(), expect.timeoutMs));
        assert.equal(observation.outcome, 'loaded', `${observation.error} ${observation.detail}`);
        assert.equal(observation.chain?.rootSpkiSha256, lab.pki.rogueRoot.spkiSha256);
      } finally {
        await session.close();
      }
    });

    it(expect.pinMismatchError ? 'refuses a chain without a pinned key' : 'ignores pins (it has no pinning) and loads', async () => {
      const pins = [lab.pki.rogueRoot.spkiSha256, lab.pki.rogueLeaf.spkiSha256];
      const state = { anchors: [lab.pki.publicRoot.certPath, lab.pki.rogueRoot.certPath], pins };
      const session = await shim.prepare(state, lab.workDir(name));
      try {
        const observation = await session.visit(visitTarget(preferredRoute(), expect.timeoutMs));
        if (!expect.pinMismatchError) {
          assert.equal(observation.outcome, 'loaded', `${observation.error} ${observation.detail}`);
          return;
        }
        assert.equal(observation.outcome, 'refused', observation.detail);
        assertErrorMatches(observation, expect.pinMismatchError);
        assert.equal(observation.chain?.leafSpkiSha256, lab.pki.publicLeaf.spkiSha256);
      } finally {
        await session.close();
      }
    });

    if (expect.pinMismatchError) {
      it(expect.pinsLeafOnly ? 'matches pins against the leaf only' : 'accepts a pin on any certificate of the verified chain', async () => {
        const rootPinned = { ...trustPublic(lab, [lab.pki.publicRoot.spkiSha256]) };
        const leafPinned = { ...trustPublic(lab, [lab.pki.publicLeaf.spkiSha256]) };
        const target = (): ReturnType<typeof visitTarget> => visitTarget(preferredRoute(), expect.timeoutMs);
        const [rootSession, leafSession] = await Promise.all([
          shim.prepare(rootPinned, lab.workDir(name)),
          shim.prepare(leafPinned, lab.workDir(name)),
        ]);
        try {
          const [byRoot, byLeaf] = await Promise.all([rootSession.visit(target()), leafSession.visit(target())]);
          assert.equal(byLeaf.outcome, 'loaded', `${byLeaf.error} ${byLeaf.detail}`);
          assert.equal(byRoot.outcome, expect.pinsLeafOnly ? 'refused' : 'loaded', `${byRoot.error} ${byRoot.detail}`);
        } finally {
          await rootSession.close();
          await leafSession.close();
        }
      });
    }

    if (expect.routes.includes('connect')) {
      it('goes through an explicit CONNECT proxy with the site name', async () => {
        // its own proxy: the other tests run at the same time and use the shared ones
        const proxy = await startConnectProxy(lab.publicOrigin.port);
        const session = await shim.prepare(trustPublic(lab), lab.workDir(name));
        try {
          const observation = await session.visit(visitTarget(connectVia(proxy), expect.timeoutMs));
          assert.equal(observation.outcome, 'loaded', `${observation.error} ${observation.detail}`);
          assert.equal(observation.status, 200);
          assert.match(proxy.requests.join('\n'), /^CONNECT www\.example\.test:443 HTTP\/1\.[01]$/m);
        } finally {
          await session.close();
          await proxy.close();
        }
      });
    }

    for (const missing of (['direct', 'connect'] as const).filter((kind) => !expect.routes.includes(kind))) {
      it(`skips a ${missing} route it cannot apply, saying why`, async () => {
        const session = await shim.prepare(trustPublic(lab), lab.workDir(name));
        try {
          const route = missing === 'direct' ? directTo(lab.publicOrigin) : connectVia(lab.publicProxy);
          const observation = await session.visit(visitTarget(route, expect.timeoutMs));
          assert.equal(observation.outcome, 'skipped');
          assert.match(observation.detail ?? '', new RegExp(`cannot apply a ${missing} route`));
        } finally {
          await session.close();
        }
      });
    }

    if (expect.makeMissingShim) {
      const makeMissing = expect.makeMissingShim;
      it('is skipped with the reason and the package when its binary is missing', async () => {
        const missingShim = makeMissing();
        const availability = await missingShim.probe();
        assert.equal(availability.available, false);
        assert.match(availability.reason ?? '', /not found: apt-get install /);
        const session = await missingShim.prepare(trustPublic(lab), lab.workDir(name));
        const observation = await session.visit(visitTarget(preferredRoute()));
        await session.close();
        assert.equal(observation.outcome, 'skipped');
        assert.equal(observation.detail, availability.reason);
      });
    }
  });
}
