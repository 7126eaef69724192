/**
 * Entry point run inside an origin namespace (and the containers runtime's origin image): serves
 * one site with the runtime's instrumented origin and streams each TLS contact and each visit to
 * the parent as JSON lines on stdout; "sync N" on stdin is answered once all earlier lines are out.
 * Usage: origin-main.ts CONFIG.json   ({ name, chainPem, keyPem, host, port, reportSocket? })
 */
import { readFileSync } from 'node:fs';
import { startOrigin } from '../origin.ts';
import { openReportSink } from '../line-channel.ts';
import type { OriginContact, OriginVisit } from '../types.ts';

interface OriginConfig {
  name: string;
  chainPem: string;
  keyPem: string;
  host: string;
  port: number;
  /** a unix socket the lab listens on for reports (containers: their logs lag); default stdout */
  reportSocket?: string;
}

const config = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as OriginConfig;
const { write } = await openReportSink(config.reportSocket);
// on a shared report socket the lab learns which origin this stream is
if (config.reportSocket) write({ type: 'hello', origin: config.name });
const origin = await startOrigin({ name: config.name, chainPem: config.chainPem, keyPem: config.keyPem }, config.host, config.port);
// each record is reported the moment it is made (a visit before its response goes out), so the
// parent has the line before the client can possibly have its answer
const report = <T>(list: T[], type: string, key: string) => {
  const record = list.push.bind(list);
  list.push = (...items: T[]): number => {
    for (const item of items) write({ type, [key]: item });
    return record(...items);
  };
};
report<OriginVisit>(origin.visits, 'visit', 'visit');
report<OriginContact>(origin.contacts, 'contact', 'contact');
const listening = { type: 'listening', host: origin.host, port: origin.port };
write(listening);
// a container's readiness is read from its log, whatever the reports go through
if (config.reportSocket) process.stdout.write(JSON.stringify(listening) + '\n');
process.on('SIGTERM', () => void origin.close().then(() => process.exit(0)));
