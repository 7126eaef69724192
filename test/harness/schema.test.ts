import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { renderJsonSchema, SCHEMA_FILE } from '../../harness/scenario/write-schema.ts';

test('scenarios/schema.json is what the zod schema generates (run: npx tsx harness/scenario/write-schema.ts)', () => {
  assert.equal(readFileSync(SCHEMA_FILE, 'utf8'), renderJsonSchema());
});

test('the JSON Schema forbids unknown keys and names the expectation precedence', () => {
  const schema = JSON.parse(renderJsonSchema());
  assert.equal(schema.additionalProperties, false);
  assert.deepEqual(schema.required.sort(), ['authority', 'clients', 'id', 'sites', 'states']);
  const expect = schema.properties.states.items.properties.expect;
  assert.match(expect.description, /client@site > site > client > \*/);
});
