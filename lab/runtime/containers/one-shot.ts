import { callEngine, callEngineJson, type EngineEndpoint } from './engine-api.ts';

export interface OneShot {
  image: string;
  entrypoint: string[];
  cmd: string[];
  networkMode: string;
  capAdd?: string[];
  /** "source:target:ro" bind mounts (the skeleton image holds no programs of its own) */
  binds?: string[];
  labels: Record<string, string>;
}

/**
 * Runs a container to completion and removes it. Straight over the API: testcontainers' one-shot
 * wait polls once a second, which made a 30 ms `ip route add` cost over a second.
 */
export async function runOneShot(endpoint: EngineEndpoint, spec: OneShot, timeoutMs = 30_000): Promise<void> {
  const created = await callEngineJson<{ Id: string }>(endpoint, 'POST', '/containers/create', {
    Image: spec.image,
    Entrypoint: spec.entrypoint,
    Cmd: spec.cmd,
    Labels: spec.labels,
    HostConfig: { NetworkMode: spec.networkMode, CapAdd: spec.capAdd ?? [], Binds: spec.binds ?? [] },
  });
  try {
    const start = await callEngine(endpoint, 'POST', `/containers/${created.Id}/start`);
    if (start.status >= 300) throw new Error(`start: HTTP ${start.status} ${start.body.trim()}`);
    const waited = await callEngine(endpoint, 'POST', `/containers/${created.Id}/wait`, timeoutMs);
    const status = (JSON.parse(waited.body) as { StatusCode?: number }).StatusCode;
    if (status !== 0) {
      const logs = await callEngine(endpoint, 'GET', `/containers/${created.Id}/logs?stdout=true&stderr=true`);
      // the log stream is multiplexed: keep the printable part for the message
      throw new Error(`${[...spec.entrypoint, ...spec.cmd].join(' ')} exited ${status}: ${logs.body.replace(/[^\x20-\x7e\n]/g, '').trim()}`);
    }
  } finally {
    await callEngine(endpoint, 'DELETE', `/containers/${created.Id}?force=true`).catch(() => undefined);
  }
}
