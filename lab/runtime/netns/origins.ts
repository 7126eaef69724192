/** Starts instrumented HTTPS origins in their namespaces and collects what each one saw. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { NetnsLab } from './lab.ts';
import type { OriginContact, OriginVisit } from '../types.ts';
import { nodeTsArgv } from '../../clients/node-ts-argv.ts';
import { reportingProcess, type ReportingProcess } from '../line-channel.ts';

export interface RunningOrigin {
  host: string;
  address: string;
  port: number;
  visits: OriginVisit[];
  contacts: OriginContact[];
  process: ChildProcess;
  reports: ReportingProcess;
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
  const child = lab.spawn(host, nodeTsArgv(new URL('./origin-main.ts', import.meta.url), [config]), {}, { stdin: 'pipe' });
  const visits: OriginVisit[] = [];
  const contacts: OriginContact[] = [];
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-2000)));
  let listening: () => void = () => undefined;
  const reports = reportingProcess(child, (msg) => {
    if (msg.type === 'listening') listening();
    else if (msg.type === 'visit' && msg.visit) visits.push(msg.visit as OriginVisit);
    else if (msg.type === 'contact' && msg.contact) contacts.push(msg.contact as OriginContact);
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`origin ${site.name} in ${host} did not start: ${stderr}`)), 15_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`origin ${site.name} in ${host} exited (${code}): ${stderr}`));
    });
    listening = () => {
      clearTimeout(timer);
      resolve();
    };
  });
  return { host, address, port, visits, contacts, process: child, reports };
}
