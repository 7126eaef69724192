/**
 * One lab for all client-shim tests: the PKI, a public origin, a rogue origin (the forged leaf an
 * interceptor would serve) and a CONNECT proxy in front of each, all on 127.0.0.1.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestPki, SITE, type TestPki } from './pki.ts';
import { startConnectProxy, startOrigin, type RunningServer } from './servers.ts';
import type { Route, TrustState, VisitTarget } from '../../lab/clients/types.ts';

export interface TestLab {
  dir: string;
  pki: TestPki;
  publicOrigin: RunningServer;
  rogueOrigin: RunningServer;
  publicProxy: RunningServer & { requests: string[] };
  rogueProxy: RunningServer & { requests: string[] };
  /** a fresh throwaway dir for one prepare() */
  workDir(label: string): string;
  close(): Promise<void>;
}

export async function startTestLab(): Promise<TestLab> {
  const dir = mkdtempSync(join(tmpdir(), 'tlslab-clients-test-'));
  const pki = makeTestPki(dir);
  const publicOrigin = await startOrigin(pki.publicLeaf, 'public origin');
  const rogueOrigin = await startOrigin(pki.rogueLeaf, 'rogue origin');
  const publicProxy = await startConnectProxy(publicOrigin.port);
  const rogueProxy = await startConnectProxy(rogueOrigin.port);
  let workDirs = 0;
  return {
    dir,
    pki,
    publicOrigin,
    rogueOrigin,
    publicProxy,
    rogueProxy,
    workDir: (label) => join(dir, `work-${label}-${workDirs++}`),
    async close() {
      await Promise.all([publicProxy.close(), rogueProxy.close(), publicOrigin.close(), rogueOrigin.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function trustPublic(lab: TestLab, pins?: string[]): TrustState {
  return { anchors: [lab.pki.publicRoot.certPath], ...(pins ? { pins } : {}) };
}

export function visitTarget(route: Route, timeoutMs = 15_000): VisitTarget {
  return { site: SITE, url: `https://${SITE}/`, route, timeoutMs };
}

export function directTo(server: RunningServer): Route {
  return { kind: 'direct', host: '127.0.0.1', port: server.port };
}

export function connectVia(proxy: RunningServer): Route {
  return { kind: 'connect', host: '127.0.0.1', port: proxy.port };
}

/** Accepts TCP and never speaks: every client must give up on its own deadline. */
export async function startSilentServer(): Promise<{ port: number; close(): void }> {
  const held = new Set<Socket>();
  const server = createServer((socket) => {
    held.add(socket);
    socket.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    close() {
      for (const socket of held) socket.destroy();
      server.close();
    },
  };
}
