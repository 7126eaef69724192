import { request } from 'node:http';

/**
 * The few Docker-API calls the reaper needs, spoken directly over the socket: the reaper also runs
 * in a dead run's clean-up (lab/runtime/registry), where loading testcontainers would only cost start-up time.
 */
export interface EngineEndpoint {
  socketPath?: string;
  host?: string;
  port?: number;
}

export function endpointFromDockerHost(dockerHost: string): EngineEndpoint {
  if (dockerHost.startsWith('unix://')) return { socketPath: dockerHost.slice('unix://'.length) };
  const url = new URL(dockerHost.replace(/^tcp:/, 'http:'));
  return { host: url.hostname, port: Number(url.port || 2375) };
}

export interface ApiResponse {
  status: number;
  body: string;
}

export function callEngine(endpoint: EngineEndpoint, method: string, path: string, timeoutMs = 15_000, body?: unknown): Promise<ApiResponse> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers = payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) };
  return new Promise((resolve, reject) => {
    const req = request({ ...endpoint, method, path, headers, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`engine API ${method} ${path}: no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

export async function callEngineJson<T>(endpoint: EngineEndpoint, method: string, path: string, body?: unknown): Promise<T> {
  const res = await callEngine(endpoint, method, path, 15_000, body);
  if (res.status >= 300) throw new Error(`engine API ${method} ${path}: HTTP ${res.status} ${res.body.trim()}`);
  return JSON.parse(res.body) as T;
}

export function labelFilter(labels: string[]): string {
  return encodeURIComponent(JSON.stringify({ label: labels }));
}
