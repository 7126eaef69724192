import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evidenceJsonSchema, parseEvidence, type Evidence } from '../../lab/detectors/evidence.ts';

const minimal: Evidence = {
  scenario: 'kz-2019-qaznet',
  state: 'installed-after-operator-sms',
  client: 'curl',
  site: 'www.facebook.com',
  observation: { outcome: 'loaded', durationMs: 41, status: 200 },
  origin: {},
  publicAnchorsPem: [],
};

test('evidence survives a JSON round trip unchanged (what plug-ins read is what detectors read)', () => {
  const full: Evidence = {
    ...minimal,
    chainPem: ['-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n'],
    origin: {
      userAgent: 'curl/7.88.1',
      clientHello: { ja3: 'x', ja4: 't13d3112h2_e8f1e7e78f70_b26ce05bbdd6', tlsVersion: 'TLSv1.3', ciphers: [4866], extensions: [0, 43] },
    },
    probes: { crossVantage: { skipped: 'loopback' }, ttl: { interceptorHop: 2, originHop: 4 } },
  };
  assert.deepEqual(parseEvidence(JSON.parse(JSON.stringify(full))), full);
});

test('malformed evidence is rejected with the path of the problem', () => {
  assert.throws(() => parseEvidence({ ...minimal, observation: { outcome: 'exploded', durationMs: 1 } }), /observation/);
  assert.throws(() => parseEvidence({ ...minimal, probes: { ttl: { interceptorHop: 0, originHop: 4 } } }), /interceptorHop/);
  const { publicAnchorsPem: _dropped, ...noAnchors } = minimal;
  assert.throws(() => parseEvidence(noAnchors), /publicAnchorsPem/);
});

test("the JSON Schema for plug-in authors describes the evidence, and nothing of the box's record or the truth", () => {
  const schema = evidenceJsonSchema() as { properties: Record<string, unknown>; required: string[] };
  assert.ok(schema.properties.chainPem);
  assert.ok(schema.properties.probes);
  assert.equal(schema.properties.groundTruth, undefined);
  assert.equal(schema.properties.engine, undefined, "the box's decision would be the answer in disguise");
  assert.ok(schema.required.includes('publicAnchorsPem'));
});
