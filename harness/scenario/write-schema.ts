/**
 * Writes scenarios/schema.json from the zod schema (editors validate YAML against it).
 * Run: npx tsx harness/scenario/write-schema.ts   — a test fails when the committed file is stale.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { SCENARIO_DIR } from './discover.ts';
import { scenarioSchema } from './schema.ts';

export const SCHEMA_FILE = join(SCENARIO_DIR, 'schema.json');

export function renderJsonSchema(): string {
  // the input side: what an author writes, before defaults and normalisation
  return JSON.stringify(z.toJSONSchema(scenarioSchema, { io: 'input' }), null, 2) + '\n';
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(SCHEMA_FILE, renderJsonSchema());
  process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
}
