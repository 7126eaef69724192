/** Runs a block against one prepared client session and always closes it and removes its state. */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClientSession, ClientShim, Observation, TrustState } from '../../lab/clients/types.ts';

export async function withSession<T>(shim: ClientShim, state: TrustState, body: (session: ClientSession) => Promise<T>): Promise<T> {
  const workDir = await mkdtemp(join(tmpdir(), `tlslab-${shim.name}-`));
  try {
    const session = await shim.prepare(state, workDir);
    try {
      return await body(session);
    } finally {
      await session.close();
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

/** checked while the session's workDir still exists */
export async function assertScreenshot(observation: Observation): Promise<void> {
  const file = observation.artefacts?.find((path) => path.endsWith('.png'));
  assert.ok(file, `no screenshot in ${JSON.stringify(observation)}`);
  assert.deepEqual((await readFile(file)).subarray(0, 4), PNG_MAGIC);
}

export function assertRefused(observation: Observation, error: string): void {
  assert.equal(observation.outcome, 'refused', JSON.stringify(observation));
  assert.equal(observation.error, error, JSON.stringify(observation));
}

export function assertLoaded(observation: Observation, rootSpki: string): void {
  assert.equal(observation.outcome, 'loaded', JSON.stringify(observation));
  assert.equal(observation.status, 200);
  assert.equal(observation.chain?.rootSpkiSha256, rootSpki, JSON.stringify(observation.chain));
}
