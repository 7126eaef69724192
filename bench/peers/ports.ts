/** Ports for peers that cannot be told "port 0, then tell me which". */
import * as net from 'node:net';

/** A port the kernel just handed out on 127.0.0.1; a tiny race with other binders is accepted. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

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
