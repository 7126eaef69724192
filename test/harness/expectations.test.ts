import { test } from 'node:test';
import assert from 'node:assert/strict';
import { meetsExpectation, resolveExpectation } from '../../harness/scenario/expectations.ts';
import { checkedRow, expectedFor, withLabFacts } from '../../harness/runner/matrix.ts';
import { parseScenario } from '../../harness/scenario/load.ts';

const clients = new Set(['curl', 'java']);

test('precedence: client@site beats site beats client beats "*"', () => {
  const expect = { '*': 'loaded', curl: 'exit-60', 'vk.com': 'refused', 'curl@vk.com': 'exit-90' };
  assert.equal(resolveExpectation(expect, clients, 'curl', 'vk.com')?.value, 'exit-90');
  assert.equal(resolveExpectation(expect, clients, 'java', 'vk.com')?.value, 'refused');
  assert.equal(resolveExpectation(expect, clients, 'curl', 'mail.ru')?.value, 'exit-60');
  assert.equal(resolveExpectation(expect, clients, 'java', 'mail.ru')?.value, 'loaded');
});

test('precedence does not depend on the order keys are written in', () => {
  const forward = { '*': 'a', curl: 'b', 'vk.com': 'c' };
  const backward = { 'vk.com': 'c', curl: 'b', '*': 'a' };
  for (const expect of [forward, backward]) {
    assert.equal(resolveExpectation(expect, clients, 'curl', 'vk.com')?.value, 'c');
    assert.equal(resolveExpectation(expect, clients, 'curl', 'x.kz')?.value, 'b');
  }
});

test('client@* and *@site are the same as client and site', () => {
  const expect = { 'curl@*': 'exit-60', '*@vk.com': 'loaded' };
  assert.equal(resolveExpectation(expect, clients, 'curl', 'x.kz')?.value, 'exit-60');
  assert.equal(resolveExpectation(expect, clients, 'curl', 'vk.com')?.value, 'loaded');
  assert.equal(resolveExpectation(expect, clients, 'java', 'x.kz'), undefined);
});

test('an exact error implies refused and must match character for character', () => {
  assert.ok(meetsExpectation('exit-60', { outcome: 'refused', error: 'exit-60' }));
  assert.ok(!meetsExpectation('exit-60', { outcome: 'refused', error: 'exit-6' }));
  assert.ok(!meetsExpectation('exit-60', { outcome: 'loaded', error: 'exit-60' }));
  assert.ok(meetsExpectation('refused', { outcome: 'refused', error: 'exit-60' }));
  assert.ok(!meetsExpectation('loaded', { outcome: 'refused', error: 'exit-60' }));
  assert.ok(!meetsExpectation('refused', { outcome: 'skipped' }));
});

test('an allow-list entry turns a deviation into a pass marked with its reason, and only that row', () => {
  const scenario = parseScenario(
    `id: t
authority: { preset: qaznet-2019 }
sites: [vk.com, mail.ru]
clients: [curl, java]
states:
  - name: s
    expect: { "*": exit-60 }
allow:
  - { client: java, site: vk.com, reason: "java reports its own exception" }
`,
    't.yaml',
    { clients: ['curl', 'java'] },
  );
  const state = scenario.states[0]!;
  const refusedOther = { outcome: 'refused' as const, error: 'PKIX', durationMs: 1 };
  const allowed = checkedRow(scenario, state, 'java', 'vk.com', refusedOther);
  assert.equal(allowed.pass, true);
  assert.equal(allowed.allowed, 'java reports its own exception');
  const notAllowed = checkedRow(scenario, state, 'java', 'mail.ru', refusedOther);
  assert.equal(notAllowed.pass, false);
  assert.equal(notAllowed.allowed, undefined);
  const asExpected = checkedRow(scenario, state, 'java', 'vk.com', { outcome: 'refused', error: 'exit-60', durationMs: 1 });
  assert.equal(asExpected.pass, true);
  assert.equal(asExpected.allowed, undefined, 'a row that met its expectation is not marked allowed');
});

test('per-box expectations: the most specific key of either map wins, the box\'s on a tie', () => {
  const scenario = parseScenario(
    `id: t
authority: { preset: qaznet-2019 }
interception: { targets: [vk.com], forging: kz-2019, box: [engine, sslsplit, squid] }
sites: [vk.com, control.example.kz]
clients: [curl, java]
states:
  - name: s
    expect: { "*": exit-60, control.example.kz: loaded }
    boxes:
      squid: { curl: exit-35 }
      sslsplit: { curl: exit-35, curl@control.example.kz: exit-60, control.example.kz: refused }
`,
    't.yaml',
    { clients: ['curl', 'java'], boxes: ['engine', 'sslsplit', 'squid'] },
  );
  const state = scenario.states[0]!;
  assert.equal(expectedFor(scenario, state, 'curl', 'vk.com', 'engine'), 'exit-60', 'a box not named is held to expect');
  assert.equal(expectedFor(scenario, state, 'curl', 'vk.com', 'squid'), 'exit-35', 'a box key as specific as the state\'s wins');
  assert.equal(expectedFor(scenario, state, 'curl', 'control.example.kz', 'squid'), 'loaded', 'the state\'s site key beats the box\'s client key');
  assert.equal(expectedFor(scenario, state, 'curl', 'control.example.kz', 'sslsplit'), 'exit-60');
  assert.equal(expectedFor(scenario, state, 'java', 'control.example.kz', 'sslsplit'), 'refused');
  assert.equal(expectedFor(scenario, state, 'java', 'vk.com', 'sslsplit'), 'exit-60');
});

test("the probe's words: intercepted takes any hop, intercepted:hop-N only that hop, each word only itself", () => {
  assert.ok(meetsExpectation('intercepted', { outcome: 'flagged', error: 'intercepted' }));
  assert.ok(meetsExpectation('intercepted', { outcome: 'flagged', error: 'intercepted:hop-3' }));
  assert.ok(meetsExpectation('intercepted:hop-3', { outcome: 'flagged', error: 'intercepted:hop-3' }));
  assert.ok(!meetsExpectation('intercepted:hop-3', { outcome: 'flagged', error: 'intercepted' }));
  assert.ok(!meetsExpectation('intercepted:hop-3', { outcome: 'flagged', error: 'intercepted:hop-2' }));
  assert.ok(meetsExpectation('not-intercepted', { outcome: 'loaded', error: 'not-intercepted' }));
  assert.ok(!meetsExpectation('not-intercepted', { outcome: 'refused', error: 'inconclusive' }));
  assert.ok(!meetsExpectation('intercepted', { outcome: 'loaded', error: 'not-intercepted' }));
  assert.ok(!meetsExpectation('intercepted', { outcome: 'refused', error: 'inconclusive' }));
  assert.ok(meetsExpectation('inconclusive', { outcome: 'refused', error: 'inconclusive' }));
});

test('intercepted:hop-gateway is the hop the lab states for its gateway, and stays unresolved (so unmet) where it states none', () => {
  assert.equal(withLabFacts('intercepted:hop-gateway', { gatewayHop: 3 }), 'intercepted:hop-3');
  assert.equal(withLabFacts('intercepted:hop-gateway', {}), 'intercepted:hop-gateway');
  assert.equal(withLabFacts('exit-60', { gatewayHop: 3 }), 'exit-60');
  assert.ok(!meetsExpectation(withLabFacts('intercepted:hop-gateway'), { outcome: 'flagged', error: 'intercepted:hop-3' }));
});
