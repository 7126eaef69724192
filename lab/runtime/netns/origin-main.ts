/**
 * Entry point run inside an origin namespace: serves one site with the runtime's instrumented
 * origin and streams each visit to the parent as a JSON line on stdout.
 * Usage: origin-main.ts CONFIG.json   ({ name, chainPem, keyPem, host, port })
 */
import { readFileSync } from 'node:fs';
import { startOrigin } from '../origin.ts';
import type { OriginVisit } from '../types.ts';

interface OriginConfig {
  name: string;
  chainPem: string;
  keyPem: string;
  host: string;
  port: number;
}

const config = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as OriginConfig;
const origin = await startOrigin({ name: config.name, chainPem: config.chainPem, keyPem: config.keyPem }, config.host, config.port);
// the visit is recorded before the response goes out, so report it right there: the parent then
// has the line before the client can possibly have its answer
const record = origin.visits.push.bind(origin.visits);
origin.visits.push = (...visits: OriginVisit[]): number => {
  for (const visit of visits) process.stdout.write(JSON.stringify({ type: 'visit', visit }) + '\n');
  return record(...visits);
};
process.stdout.write(JSON.stringify({ type: 'listening', host: origin.host, port: origin.port }) + '\n');
process.on('SIGTERM', () => void origin.close().then(() => process.exit(0)));
