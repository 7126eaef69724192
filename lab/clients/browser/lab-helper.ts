/**
 * Small Node processes a browser needs beside it inside a lab (its CRLSet canary origin, the
 * forwarder to its control port). They start through the lab's launcher, so they share the
 * browser's namespace and loopback, and die with the session like the browser does.
 */
import type { Socket } from 'node:net';
import { nodeTsArgv } from '../node-ts-argv.ts';
import { clientCommand } from '../process.ts';
import type { ClientLauncher } from '../types.ts';
import { startBrowserProcess, type BrowserProcess } from './process.ts';

const READY = /lab-helper ready (\S+)/;
const READY_LIMIT_MS = 15_000;

/** the helper's `endpoint` is what it announced with `announceReady` */
export function startLabHelper(launcher: ClientLauncher, script: URL, args: readonly string[]): Promise<BrowserProcess> {
  const command = clientCommand(nodeTsArgv(script, args), launcher);
  return startBrowserProcess({ executable: command.file, args: command.args, env: command.env, ready: READY, timeoutMs: READY_LIMIT_MS, what: 'lab helper' });
}

export function announceReady(value: string | number): void {
  process.stderr.write(`lab-helper ready ${value}\n`);
}

/** both directions of two streams, torn down together */
export function splice(a: Socket, b: Socket): void {
  a.pipe(b).pipe(a);
  const destroy = (): void => {
    a.destroy();
    b.destroy();
  };
  a.once('error', destroy).once('close', destroy);
  b.once('error', destroy).once('close', destroy);
}
