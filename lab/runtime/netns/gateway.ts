/**
 * The intercepting gateway of the netns Runtime: the engine's transparent door in the gateway
 * namespace behind REDIRECT, forging through the lab's forge channel (the rogue key never leaves
 * the lab's process), events streamed back as JSON lines.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineEvent } from '../../proxy/types.ts';
import type { InterceptionSpec } from '../types.ts';
import { openForgeChannel } from '../containers/forge-channel.ts';
import type { NetnsLab } from './lab.ts';
import { installInterception, startGatewayEngine } from './interception.ts';
import { nodeTsArgv } from '../../clients/node-ts-argv.ts';
import type { NetnsGatewayConfig } from './gateway-engine-main.ts';
import type { Selection } from './interception-rules.ts';
import { reportingProcess, type ReportingProcess } from '../line-channel.ts';

export const ENGINE_PORT = 20443;

export interface GatewayReports {
  onEvent(event: EngineEvent): void;
  /** key log lines with their connection; absent: not reported */
  onKeylog?(conn: number, line: Buffer): void;
}

export interface RunningGateway {
  /** the engine's reports up to now have all arrived */
  sync(): Promise<void>;
  /** the box's clean-up (the engine process itself stops with the lab) */
  close(): Promise<void>;
}

const idleGateway: RunningGateway = { sync: async () => undefined, close: async () => undefined };

export async function startInterceptingGateway(
  lab: NetnsLab,
  interception: InterceptionSpec,
  selectionKind: 'all' | 'destinations',
  workDir: string,
  reports: GatewayReports,
): Promise<RunningGateway> {
  const { targets, forger, upstream } = interception;
  const selection: Selection =
    selectionKind === 'destinations' && !targets.wildcard
      ? { kind: 'destinations', addresses: [...targets.names].map((n) => lab.plan.siteAddresses[n.toLowerCase()]).filter((a): a is string => !!a) }
      : { kind: 'all' };
  // nothing targeted lives in this lab: the gateway just routes
  if (selection.kind === 'destinations' && selection.addresses.length === 0) return idleGateway;

  const channel = await openForgeChannel(forger);
  let engineReports: ReportingProcess;
  try {
    const config: NetnsGatewayConfig = {
      port: ENGINE_PORT,
      targets: { names: [...targets.names], ...(targets.wildcard ? { wildcard: true } : {}) },
      upstream,
      forgerProfile: forger.profile,
      forgeSocket: join(channel.dir, channel.socketName),
      keylogFile: join(workDir, 'engine-keys.log'),
      ...(reports.onKeylog && { keylogLines: true }),
    };
    const configFile = join(workDir, 'netns-gateway.json');
    writeFileSync(configFile, JSON.stringify(config), { mode: 0o600 });
    await installInterception(lab, { method: 'redirect', port: ENGINE_PORT, selection });
    const engine = await startGatewayEngine(lab, {
      method: 'redirect',
      port: ENGINE_PORT,
      engineArgv: nodeTsArgv(new URL('./gateway-engine-main.ts', import.meta.url), [configFile]),
      stdin: 'pipe',
    });
    engineReports = reportingProcess(engine, (msg) => {
      if (msg.type === 'event' && msg.event) reports.onEvent(msg.event as EngineEvent);
      else if (msg.type === 'keylog' && typeof msg.line === 'string' && typeof msg.conn === 'number') reports.onKeylog?.(msg.conn, Buffer.from(msg.line, 'latin1'));
    });
  } catch (err) {
    await channel.close();
    throw err;
  }
  return { sync: () => engineReports.sync(), close: () => channel.close() };
}
