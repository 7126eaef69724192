/** Packet capture inside a lab namespace (dumpcap, pcapng); see lab/runtime/capture.ts for readiness and stopping. */
import { startDumpcap, type Capture } from '../capture.ts';
import type { NetnsLab } from './lab.ts';

export type { Capture } from '../capture.ts';

export function startCapture(lab: NetnsLab, host: string, interfaces: readonly string[], file: string, filter = 'tcp'): Promise<Capture> {
  return startDumpcap((argv) => lab.spawn(host, argv), { interfaces, file, filter, where: `the lab's ${host} namespace` });
}
