/** Waiting for a peer's port (its number comes from lab/boxes' freeLoopbackPort). */
import * as net from 'node:net';

function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Polls until the port accepts, the process dies (`exited()`), or the deadline passes. */
export async function waitForListening(port: number, exited: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited()) throw new Error('exited before listening');
    if (await acceptsConnections(port)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`not listening on 127.0.0.1:${port} after ${timeoutMs} ms`);
}
