/**
 * The harness's way to a browser's control port (DevTools, WebDriver BiDi) when the browser runs
 * inside a lab: that port listens on the lab namespace's own loopback, and the host must never
 * route anything toward a lab address. A forwarder inside the namespace serves the port on a unix
 * socket in the work dir (the filesystem crosses namespaces), and a listener on the harness's own
 * 127.0.0.1 pipes to that socket, so CDP and BiDi clients still connect to a plain ws:// URL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { basename, join } from 'node:path';
import type { ClientLauncher } from '../types.ts';
import { createLabTempDir, removeRegisteredDir } from '../../runtime/registry/run.ts';
import { splice, startLabHelper } from './lab-helper.ts';

export interface ControlBridge {
  /** the browser's ws:// endpoint, rewritten to the harness-side listener */
  endpoint: string;
  /** Host header for the browser's own endpoint: Firefox refuses a handshake naming another port */
  browserHost: string;
  close(): Promise<void>;
}

/** sun_path is 108 bytes including the terminating NUL */
const UNIX_PATH_LIMIT = 107;

/** A work dir deep enough to overflow sun_path gets its socket in a short temp dir instead (the launcher's shared dir, if it has one). */
function socketPlace(wanted: string, launcher: ClientLauncher): { path: string; remove: () => void } {
  if (Buffer.byteLength(wanted) <= UNIX_PATH_LIMIT) return { path: wanted, remove: () => {} };
  if (launcher.sharedDir) {
    const dir = mkdtempSync(join(launcher.sharedDir, 'sock-'));
    return { path: join(dir, basename(wanted)), remove: () => rmSync(dir, { recursive: true, force: true }) };
  }
  const dir = createLabTempDir('tlslab-sock-', 'control socket');
  return { path: join(dir, basename(wanted)), remove: () => void removeRegisteredDir(dir) };
}

export async function bridgeControlPort(launcher: ClientLauncher, browserEndpoint: string, wantedSocketPath: string): Promise<ControlBridge> {
  const place = socketPlace(wantedSocketPath, launcher);
  const socketPath = place.path;
  const url = new URL(browserEndpoint);
  const browserHost = url.host;
  const forwarder = await startLabHelper(launcher, new URL('./control-forward-main.ts', import.meta.url), [socketPath, url.port]).catch((error: unknown) => {
    place.remove();
    throw error;
  });
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    sockets.add(client);
    client.once('close', () => sockets.delete(client));
    splice(client, connect(socketPath));
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
  } catch (error) {
    await forwarder.kill();
    place.remove();
    throw error;
  }
  url.port = String((server.address() as AddressInfo).port);
  return {
    endpoint: url.toString(),
    browserHost,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
      await forwarder.kill();
      place.remove();
    },
  };
}
