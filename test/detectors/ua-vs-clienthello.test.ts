/**
 * Real ClientHellos only: curl, openssl, Node and Python connect to a loopback origin that
 * records what it received, directly or through a Node-based intercepting relay (how the lab's
 * engine re-originates TLS).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { uaVsClientHelloDetector } from '../../lab/detectors/builtin/ua-vs-clienthello.ts';
import type { ClientHelloRecorder } from '../../lab/detectors/clienthello/recorder.ts';
import { CLIENT_REFERENCES } from '../../lab/detectors/clienthello/reference.ts';
import type { Evidence } from '../../lab/detectors/evidence.ts';
import type { Finding, Verdict } from '../../lab/detectors/types.ts';
import { available, captureHello, MEASURED_CLIENTS, type MeasuredClient } from './helpers/real-clients.ts';
import { startInterceptedSite, type Relay } from './helpers/relay.ts';
import { helloEvidence as evidenceFor } from './helpers/hello-evidence.ts';

let recorder: ClientHelloRecorder;
let relay: Relay;
let weakRelay: Relay;
const present = new Map<MeasuredClient, boolean>();

before(async () => {
  const site = await startInterceptedSite();
  ({ recorder, relay } = site);
  // the 2019 box's upstream leg: TLS 1.2 only, a CBC suite first (docs/campaigns.md §1.7)
  weakRelay = await site.relayVia({
    maxVersion: 'TLSv1.2',
    ciphers: 'AES128-SHA:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256',
  });
  for (const client of MEASURED_CLIENTS) present.set(client, await available(client));
});

after(async () => {
  await relay?.close();
  await weakRelay?.close();
  await recorder?.close();
});

async function verdict(evidence: Evidence): Promise<Verdict> {
  const finding: Finding = await uaVsClientHelloDetector().inspect(evidence);
  assert.ok(!('skipped' in finding), `expected a verdict, got skip: ${JSON.stringify(finding)}`);
  return finding as Verdict;
}

for (const client of MEASURED_CLIENTS) {
  test(`${client} straight to the origin fits its reference fingerprint (the table is still true)`, async (t) => {
    if (!present.get(client)) return t.skip(`${client} is not installed here`);
    const recorded = await captureHello(recorder, client);
    const finding = await verdict(evidenceFor(client, recorded, false));
    assert.equal(finding.flagged, false, finding.reason);
    const reference = CLIENT_REFERENCES.find((entry) => entry.client === client)!;
    assert.match(finding.reason, new RegExp(`grade ${reference.grade} `));
  });
}

for (const client of ['curl', 'python', 'openssl'] as const) {
  test(`${client} through a Node interceptor: the origin sees Node's stack under ${client}'s claim`, async (t) => {
    if (!present.get(client)) return t.skip(`${client} is not installed here`);
    const recorded = await captureHello(recorder, client, relay.port);
    const finding = await verdict(evidenceFor(client, recorded, true));
    assert.equal(finding.flagged, true, finding.reason);
    assert.match(finding.reason, /node's stack/);
  });
}

test('node through a Node interceptor is invisible to this detector (its documented blind spot)', async () => {
  const recorded = await captureHello(recorder, 'node', relay.port);
  assert.equal((await verdict(evidenceFor('node', recorded, true))).flagged, false);
});

test('a box that caps the upstream leg at TLS 1.2 with a CBC suite first is graded B and flagged harder', async (t) => {
  if (!present.get('curl')) return t.skip('curl is not installed here');
  const recorded = await captureHello(recorder, 'curl', weakRelay.port);
  assert.equal(recorded.clientHello.tlsVersion, 'TLSv1.2');
  const finding = await verdict(evidenceFor('curl', recorded, true));
  assert.equal(finding.flagged, true);
  assert.equal(finding.confidence, 0.95);
  assert.match(finding.reason, /grade B/);
});

test('a User-Agent the reference table does not know, or no ClientHello: skipped, not guessed', async () => {
  const recorded = await captureHello(recorder, 'node');
  const java = evidenceFor('java', recorded, false);
  java.origin.userAgent = 'Java/17.0.9';
  assert.deepEqual(await uaVsClientHelloDetector().inspect(java), { skipped: 'no reference fingerprint for "java" (User-Agent "Java/17.0.9")' });
  const wget = evidenceFor('wget', recorded, false);
  wget.origin.userAgent = 'Wget/1.21.3';
  assert.deepEqual(await uaVsClientHelloDetector().inspect(wget), { skipped: 'User-Agent "Wget/1.21.3" names no client the lab knows' });
  const none = evidenceFor('curl', recorded, false);
  delete none.origin.clientHello;
  assert.ok('skipped' in (await uaVsClientHelloDetector().inspect(none)));
});

test('openssl sends no User-Agent: the lab client name is the claim unless that is turned off', async (t) => {
  if (!present.get('openssl')) return t.skip('openssl is not installed here');
  const recorded = await captureHello(recorder, 'openssl');
  assert.equal(recorded.userAgent, undefined);
  const strict = await uaVsClientHelloDetector({ claimFromLabClient: false }).inspect(evidenceFor('openssl', recorded, false));
  assert.deepEqual(strict, { skipped: 'no User-Agent at the origin' });
});
