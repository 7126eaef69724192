/** Runs inside the lab's client namespace: the CRLSet canary origin. Usage: canary-main <pki dir> */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CANARY_LEAF, serveCanary } from './canary.ts';
import { announceReady } from './lab-helper.ts';

const [dir] = process.argv.slice(2);
if (!dir) throw new Error('usage: canary-main <pki dir>');
const served = await serveCanary(readFileSync(join(dir, CANARY_LEAF.cert), 'utf8'), readFileSync(join(dir, CANARY_LEAF.key), 'utf8'));
announceReady(served.port);
