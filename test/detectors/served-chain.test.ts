/**
 * The chain a cell's evidence carries when nothing was forged on the record: a client that reports
 * only the leaf it was shown (Python's ssl) must not make the origin's own chain look cut short —
 * chain-anchor flagged the control site for python in 4 of 4 states when it did.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAuthority, issueServerCertificate } from '../../lab/ca/index.ts';
import { servedChain } from '../../lab/runtime/cell-truth.ts';
import type { CellRecord } from '../../lab/runtime/types.ts';
import { buildEvidence } from '../../lab/detectors/build-evidence.ts';
import { chainAnchorDetector } from '../../lab/detectors/builtin/chain-anchor.ts';

const publicCa = await createAuthority('lab-public');
const rogue = await createAuthority('qaznet-2019');
const origin = await issueServerCertificate(publicCa, { names: ['control.example.kz'] });
const originChain = [origin.certPem, ...publicCa.intermediates.map((i) => i.certPem)];

function record(clientChainPem: string[]): CellRecord {
  return {
    cell: { state: 'not-installed', client: 'python', site: 'control.example.kz', attempt: 1 },
    startedAt: 1,
    endedAt: 2,
    connections: [{ conn: 1, events: [
      { type: 'client-hello', conn: 1, time: 1, sni: 'control.example.kz' },
      { type: 'decision', conn: 1, time: 1, action: 'passthrough', reason: 'not-a-target' },
    ] }],
    originContacts: [],
    originVisits: [],
    originChainPem: originChain,
    clientChainPem,
  };
}

test("a passed-through cell whose client reported the origin's leaf alone carries the origin's whole chain", async () => {
  const chain = servedChain(record([origin.certPem]));
  assert.deepEqual(chain, originChain);
  const evidence = buildEvidence({
    scenario: 'kz-2019-qaznet', state: 'not-installed', client: 'python', site: 'control.example.kz',
    observation: { outcome: 'loaded', status: 200, durationMs: 5 },
    servedChainPem: chain!, originCertPem: origin.certPem, publicAnchorsPem: [publicCa.root.certPem],
  });
  const finding = await chainAnchorDetector().inspect(evidence);
  assert.ok('flagged' in finding, JSON.stringify(finding));
  assert.equal(finding.flagged, false, finding.reason);
});

test('a chain whose leaf is not the origin\'s stays as the client reported it', async () => {
  const forged = await issueServerCertificate(rogue, { names: ['control.example.kz'] });
  assert.deepEqual(servedChain(record([forged.certPem])), [forged.certPem]);
});
