/**
 * Runs the real client programs on this machine against a loopback recorder, so ClientHello-based
 * tests work on bytes real clients sent, never invented ones. Certificate checks are off: only
 * the hello and the User-Agent matter here, and they are sent before any verification.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { ClientHelloRecorder, RecordedRequest } from '../../../lab/detectors/clienthello/recorder.ts';

const run = promisify(execFile);

export const MEASURED_CLIENTS = ['curl', 'openssl', 'node', 'python'] as const;
export type MeasuredClient = (typeof MEASURED_CLIENTS)[number];

export const SITE = 'hello.lab.test';

async function visit(client: MeasuredClient, port: number): Promise<void> {
  const url = `https://${SITE}:${port}/`;
  const options = { timeout: 20_000 };
  switch (client) {
    case 'curl':
      await run('curl', ['-sk', '--resolve', `${SITE}:${port}:127.0.0.1`, url], options);
      return;
    case 'openssl': {
      const child = execFile('openssl', ['s_client', '-quiet', '-connect', `127.0.0.1:${port}`, '-servername', SITE], options);
      child.stdin?.end(`GET / HTTP/1.1\r\nHost: ${SITE}\r\nConnection: close\r\n\r\n`);
      await new Promise<void>((resolve) => child.on('close', () => resolve()));
      return;
    }
    case 'node': {
      const script = `const {Agent,fetch}=require('undici');fetch(process.argv[1],{dispatcher:new Agent({connect:{rejectUnauthorized:false,lookup:(h,o,cb)=>o&&o.all?cb(null,[{address:'127.0.0.1',family:4}]):cb(null,'127.0.0.1',4)}})}).then(r=>r.text()).catch(e=>{console.error(e);process.exit(1)})`;
      await run(process.execPath, ['-e', script, url], { ...options, cwd: process.cwd() });
      return;
    }
    case 'python': {
      const script = [
        'import ssl, sys, urllib.request, socket',
        'real = socket.getaddrinfo',
        'socket.getaddrinfo = lambda host, *a, **k: real("127.0.0.1", *a, **k)',
        'ctx = ssl._create_unverified_context()',
        'urllib.request.urlopen(sys.argv[1], context=ctx).read()',
      ].join('\n');
      await run('/usr/bin/python3', ['-c', script, url], options);
      return;
    }
  }
}

/**
 * Makes `client` connect once (to the recorder, or to `viaPort` where a relay forwards to it) and
 * returns what the origin recorded.
 */
export async function captureHello(recorder: ClientHelloRecorder, client: MeasuredClient, viaPort?: number): Promise<RecordedRequest> {
  const before = recorder.requests.length;
  await visit(client, viaPort ?? recorder.port);
  const recorded = recorder.requests[before];
  if (!recorded) throw new Error(`${client} reached the recorder without completing a request`);
  return recorded;
}

/** Whether this machine has the program; tests skip a client it lacks, with the reason. */
export async function available(client: MeasuredClient): Promise<boolean> {
  const probe: Record<MeasuredClient, [string, string[]]> = {
    curl: ['curl', ['--version']],
    openssl: ['openssl', ['version']],
    node: [process.execPath, ['--version']],
    python: ['/usr/bin/python3', ['--version']],
  };
  const [program, args] = probe[client];
  try {
    await run(program, args, { timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}
