/**
 * The lab's end of the report socket: the gateway's engine events and key lines, and each
 * origin's visits and contacts (an origin names itself first), each on its own ordered stream
 * that the lab can sync with (line-channel.ts). A container's log arrives too late to attribute
 * a cell by: a cell's connection was missed in one of 40 cells when the lab followed the log.
 */
import { mkdirSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import type { EngineEvent } from '../../proxy/types.ts';
import type { OriginContact, OriginVisit } from '../types.ts';
import { reportingStream, type ReportingProcess } from '../line-channel.ts';

export const REPORTS_SOCKET = 'reports.sock';

export interface OriginRecords {
  visits: OriginVisit[];
  contacts: OriginContact[];
}

export interface ReportHandlers {
  onEvent(event: EngineEvent): void;
  onKeylog?(conn: number, line: Buffer): void;
  /** the records of the origin that named itself, if it is one of the lab's */
  origin(site: string): OriginRecords | undefined;
  /** an origin that named itself listens now */
  onListening?(site: string): void;
}

export interface ReportServer {
  dir: string;
  /** every report written so far, by the gateway and every origin, has arrived */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export async function openReportServer(dir: string, handlers: ReportHandlers): Promise<ReportServer> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const streams = new Set<ReportingProcess>();
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let origin: OriginRecords | undefined;
    let originName: string | undefined;
    const stream = reportingStream(socket, socket, (msg) => {
      if (msg.type === 'hello' && typeof msg.origin === 'string') {
        originName = msg.origin;
        origin = handlers.origin(msg.origin);
      } else if (msg.type === 'listening' && originName !== undefined) handlers.onListening?.(originName);
      else if (msg.type === 'event' && msg.event) handlers.onEvent(msg.event as EngineEvent);
      else if (msg.type === 'keylog' && typeof msg.conn === 'number' && typeof msg.line === 'string') handlers.onKeylog?.(msg.conn, Buffer.from(msg.line, 'latin1'));
      else if (msg.type === 'visit' && msg.visit) origin?.visits.push(msg.visit as OriginVisit);
      else if (msg.type === 'contact' && msg.contact) origin?.contacts.push(msg.contact as OriginContact);
    });
    streams.add(stream);
    socket.once('close', () => streams.delete(stream));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(join(dir, REPORTS_SOCKET), () => resolve());
  });
  return {
    dir,
    settle: async () => {
      await Promise.all([...streams].map((s) => s.sync()));
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
