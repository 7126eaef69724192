import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUILTIN_DETECTOR_NAMES, builtinDetectors, selectDetectors } from '../../lab/detectors/registry.ts';
import { clear, type Detector } from '../../lab/detectors/types.ts';
import { UserError } from '../../harness/errors.ts';

const plugin: Detector = { name: 'issuer-country', description: 'test plug-in', inspect: () => clear(0.5, 'ok') };

test('built-ins are the six documented detectors, each with a description', () => {
  const detectors = builtinDetectors();
  assert.deepEqual(detectors.map((d) => d.name), [...BUILTIN_DETECTOR_NAMES]);
  for (const d of detectors) assert.ok(d.description.length > 10, d.name);
});

test('"all" is every built-in plus the plug-ins', () => {
  assert.deepEqual(selectDetectors('all', [plugin]).map((d) => d.name), [...BUILTIN_DETECTOR_NAMES, 'issuer-country']);
});

test('a comma list picks those detectors in that order, duplicates once', () => {
  assert.deepEqual(selectDetectors(' tells,issuer-country , tells', [plugin]).map((d) => d.name), ['tells', 'issuer-country']);
});

test('unknown names are a user error that lists the valid ones', () => {
  assert.throws(
    () => selectDetectors('tells,nope,also-nope', [plugin]),
    (err: unknown) =>
      err instanceof UserError &&
      /unknown detectors "nope", "also-nope"/.test(err.message) &&
      /valid: all, chain-anchor, known-interception, cross-vantage, ua-vs-clienthello, tells, ttl-hop, issuer-country/.test(err.message),
  );
  assert.throws(() => selectDetectors(' , '), UserError);
});

test('a plug-in may not take a built-in name', () => {
  assert.throws(() => selectDetectors('all', [{ ...plugin, name: 'tells' }]), /two detectors are named "tells"/);
});
