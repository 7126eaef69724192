import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScenario } from '../../harness/scenario/load.ts';
import { ScenarioError } from '../../harness/scenario/problems.ts';
import type { Catalogue } from '../../harness/scenario/catalogue.ts';

const catalogue: Catalogue = {
  clients: ['curl', 'wget', 'openssl', 'node'],
  targetLists: ['kz-2019', 'kz-2020'],
  presets: ['qaznet-2019', 'lab-public'],
  forgingProfiles: ['kz-2019', 'modern'],
};

const valid = `id: t
authority: { preset: qaznet-2019 }
interception: { targets: kz-2019, forging: kz-2019 }
sites: [vk.com, control.example.kz]
clients: [curl, wget]
states:
  - name: not-installed
    expect: { "*": refused, control.example.kz: loaded }
  - name: installed
    trust: [rogue]
    expect: { "*": loaded }
`;

function problemsOf(text: string): string {
  try {
    parseScenario(text, 'bad.yaml', catalogue);
  } catch (err) {
    assert.ok(err instanceof ScenarioError, `expected a ScenarioError, got ${String(err)}`);
    assert.equal(err.exitCode, 2);
    return err.message;
  }
  assert.fail('the scenario was accepted');
}

test('a valid scenario loads, with defaults filled in and sites normalised', () => {
  const s = parseScenario(valid, 'ok.yaml', catalogue);
  assert.equal(s.id, 't');
  assert.deepEqual(s.sites, [
    { name: 'vk.com', certificate: 'valid' },
    { name: 'control.example.kz', certificate: 'valid' },
  ]);
  assert.deepEqual(s.interception?.upstream, { verify: true });
  assert.equal(s.interception?.mode, 'sni');
  assert.deepEqual(s.states[0]?.trust, []);
  assert.deepEqual(s.allow, []);
});

test('a wrong type names file, line, YAML path and message', () => {
  const text = valid.replace('expect: { "*": loaded }', 'expect: { "*": loaded, curl: 60 }');
  assert.equal(problemsOf(text), 'bad.yaml:11: states[1].expect.curl: Invalid input: expected string, received number');
});

test('an unknown key is reported at its own path', () => {
  const text = valid.replace('    trust: [rogue]', '    trust: [rogue]\n    trusts: [rogue]');
  assert.equal(problemsOf(text), 'bad.yaml:11: states[1].trusts: unknown key');
});

test('an unknown client lists the valid ones', () => {
  const text = valid.replace('clients: [curl, wget]', 'clients: [curl, chrome]');
  assert.equal(problemsOf(text), 'bad.yaml:5: clients[1]: unknown client "chrome"; valid clients: curl, wget, openssl, node');
});

test('an expectation key that is neither a client nor a site of the scenario is refused', () => {
  const text = valid.replace('"*": loaded }', '"*": loaded, facebook.com: refused }');
  assert.equal(
    problemsOf(text),
    'bad.yaml:11: states[1].expect["facebook.com"]: "facebook.com" is not a client or site of this scenario; clients: curl, wget; sites: vk.com, control.example.kz',
  );
});

test('a cell without any expectation is an error at load time, not a surprise at run time', () => {
  const text = valid.replace('expect: { "*": loaded }', 'expect: { curl: loaded }');
  assert.equal(
    problemsOf(text),
    'bad.yaml:11: states[1].expect: no expectation for wget@vk.com, wget@control.example.kz (add "*", a client, a site or client@site)',
  );
});

test('a bad site certificate kind inside a union reports the branch the author meant', () => {
  const text = valid.replace('sites: [vk.com, control.example.kz]', 'sites: [vk.com, { name: control.example.kz, certificate: broken }]');
  assert.match(problemsOf(text), /^bad\.yaml:4: sites\[1\]\.certificate: Invalid option: expected one of "valid"\|"expired"/);
});

test('unknown target list, preset and profile each name the valid choices; all problems at once', () => {
  const text = valid
    .replace('preset: qaznet-2019', 'preset: qaznet-2018')
    .replace('targets: kz-2019, forging: kz-2019', 'targets: kz-2018, forging: kz2019');
  assert.equal(
    problemsOf(text),
    [
      'bad.yaml:2: authority.preset: unknown authority preset "qaznet-2018"; valid: qaznet-2019, lab-public',
      'bad.yaml:3: interception.targets: unknown target list "kz-2018"; valid: kz-2019, kz-2020',
      'bad.yaml:3: interception.forging: unknown forging profile "kz2019"; valid: kz-2019, modern',
    ].join('\n'),
  );
});

test('broken YAML reports the YAML error with its line', () => {
  assert.match(problemsOf('id: t\nsites: [a, b\nclients: x\n'), /^bad\.yaml:\d+: YAML: /);
});

test('allow entries must name a client, site and state of the scenario', () => {
  const text = `${valid}allow:\n  - { client: curl, site: vk.com, state: nope, reason: known }\n`;
  assert.equal(problemsOf(text), 'bad.yaml:13: allow[0].state: "nope" is not a state of this scenario; states: not-installed, installed');
});
