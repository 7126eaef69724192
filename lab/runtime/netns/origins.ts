/** Starts instrumented HTTPS origins in their namespaces and collects what each one saw. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ChildProcess } from 'node:child_process';
import type { NetnsLab } from './lab.ts';
import type { OriginVisit } from '../types.ts';
import { nodeTsArgv } from '../../clients/node-ts-argv.ts';

export interface RunningOrigin {
  host: string;
  address: string;
  port: number;
  visits: OriginVisit[];
  process: ChildProcess;
}

export async function startNetnsOrigin(
  lab: NetnsLab,
  host: string,
  site: { name: string; chainPem: string; keyPem: string },
  workDir: string,
  port = 443,
): Promise<RunningOrigin> {
  const address = lab.address(host);
  const config = join(workDir, `origin-${host}-${site.name}.json`);
  writeFileSync(config, JSON.stringify({ ...site, host: address, port }), { mode: 0o600 });
  const child = lab.spawn(host, nodeTsArgv(new URL('./origin-main.ts', import.meta.url), [config]));
  const visits: OriginVisit[] = [];
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-2000)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`origin ${site.name} in ${host} did not start: ${stderr}`)), 15_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`origin ${site.name} in ${host} exited (${code}): ${stderr}`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const msg = JSON.parse(line) as { type: string; visit?: OriginVisit };
      if (msg.type === 'listening') {
        clearTimeout(timer);
        resolve();
      } else if (msg.type === 'visit' && msg.visit) visits.push(msg.visit);
    });
  });
  return { host, address, port, visits, process: child };
}
