/**
 * Runs inside the lab's client namespace: serves the browser's control port (on the namespace's
 * own loopback) on a unix socket in the shared work dir. Usage: control-forward-main <socket> <port>
 */
import { rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { announceReady, splice } from './lab-helper.ts';

const [socketPath, port] = process.argv.slice(2);
if (!socketPath || !port) throw new Error('usage: control-forward-main <socket> <port>');
rmSync(socketPath, { force: true });
const server = createServer((client) => splice(client, connect(Number(port), '127.0.0.1')));
server.listen(socketPath, () => announceReady(socketPath));
