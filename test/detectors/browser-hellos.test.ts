/**
 * The reference table's browser rows against live browsers, and what the origin sees when a Node
 * interceptor sits between a browser and the site (the MITMEngine case this detector is for).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { uaVsClientHelloDetector } from '../../lab/detectors/builtin/ua-vs-clienthello.ts';
import type { ClientHelloRecorder } from '../../lab/detectors/clienthello/recorder.ts';
import type { Verdict } from '../../lab/detectors/types.ts';
import { BROWSERS, browserPresent, captureBrowserHellos, type Browser } from './helpers/browser-clients.ts';
import { startInterceptedSite, type Relay } from './helpers/relay.ts';
import { helloEvidence as evidenceFor } from './helpers/hello-evidence.ts';

let recorder: ClientHelloRecorder;
let relay: Relay;
before(async () => {
  ({ recorder, relay } = await startInterceptedSite());
});
after(async () => {
  await relay?.close();
  await recorder?.close();
});

for (const browser of Object.keys(BROWSERS) as Browser[]) {
  test(`${browser}: new and resumed sessions both fit its reference row`, { timeout: 90_000 }, async (t) => {
    if (!browserPresent(browser)) return t.skip(`${BROWSERS[browser]} is not installed here`);
    const visits = await captureBrowserHellos(recorder, browser);
    assert.ok(visits.length >= 2, `expected two requests, got ${visits.length}`);
    for (const visit of visits) {
      const finding = (await uaVsClientHelloDetector().inspect(evidenceFor(browser, visit, false))) as Verdict;
      assert.equal(finding.flagged, false, finding.reason);
    }
  });

  test(`${browser} behind a Node interceptor: flagged at the origin`, { timeout: 90_000 }, async (t) => {
    if (!browserPresent(browser)) return t.skip(`${BROWSERS[browser]} is not installed here`);
    const [visit] = await captureBrowserHellos(recorder, browser, relay.port);
    assert.ok(visit);
    const finding = (await uaVsClientHelloDetector().inspect(evidenceFor(browser, visit, true))) as Verdict;
    assert.equal(finding.flagged, true, finding.reason);
    assert.match(finding.reason, /node's stack/);
  });
}
