/**
 * Splits one capture into per-cell pcapng files in a single pass. A lab runs one dumpcap for its
 * whole life (starting and draining one per cell costs a second each: dumpcap hands packets over
 * on a one-second timer), and each cell's file keeps exactly the packets of its own connections:
 * those whose TCP/UDP endpoint is one the box or the origin recorded for the cell, inside the
 * cell's time range. Section and interface blocks go to every file, so each opens on its own.
 */
import { readFile, writeFile } from 'node:fs/promises';

export interface PacketSelection {
  file: string;
  /** "a.b.c.d:port" endpoints (IPv4) of the cell's connections, either leg */
  endpoints: ReadonlySet<string>;
  /** ms since epoch */
  from: number;
  to: number;
}

const SECTION_HEADER = 0x0a0d0d0a;
const INTERFACE_DESCRIPTION = 1;
const ENHANCED_PACKET = 6;
const INTERFACE_STATISTICS = 5;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const OPTION_TIMESTAMP_RESOLUTION = 9;

const LINK_ETHERNET = 1;
const LINK_RAW = 101;
const LINK_LINUX_SLL = 113;
const LINK_LINUX_SLL2 = 276;

interface Interface {
  linkType: number;
  /** timestamp units per millisecond */
  unitsPerMs: number;
}

/** Offset of the IP header in a frame of this link type, or undefined when it is not IPv4. */
function ipv4Offset(frame: Buffer, linkType: number): number | undefined {
  let offset: number;
  let etherType: number;
  switch (linkType) {
    case LINK_ETHERNET:
      if (frame.length < 14) return undefined;
      etherType = frame.readUInt16BE(12);
      offset = 14;
      if (etherType === 0x8100 && frame.length >= 18) {
        etherType = frame.readUInt16BE(16);
        offset = 18;
      }
      break;
    case LINK_LINUX_SLL:
      if (frame.length < 16) return undefined;
      etherType = frame.readUInt16BE(14);
      offset = 16;
      break;
    case LINK_LINUX_SLL2:
      if (frame.length < 20) return undefined;
      etherType = frame.readUInt16BE(0);
      offset = 20;
      break;
    case LINK_RAW:
      return frame.length > 0 && frame[0]! >> 4 === 4 ? 0 : undefined;
    default:
      return undefined;
  }
  return etherType === 0x0800 ? offset : undefined;
}

/** The two "address:port" endpoints of a TCP or UDP packet over IPv4. */
export function packetEndpoints(frame: Buffer, linkType: number): [string, string] | undefined {
  const ip = ipv4Offset(frame, linkType);
  if (ip === undefined || frame.length < ip + 20) return undefined;
  const headerLength = (frame[ip]! & 0x0f) * 4;
  const protocol = frame[ip + 9];
  if ((protocol !== 6 && protocol !== 17) || frame.length < ip + headerLength + 4) return undefined;
  const address = (at: number) => `${frame[at]}.${frame[at + 1]}.${frame[at + 2]}.${frame[at + 3]}`;
  const ports = ip + headerLength;
  return [`${address(ip + 12)}:${frame.readUInt16BE(ports)}`, `${address(ip + 16)}:${frame.readUInt16BE(ports + 2)}`];
}

function timestampResolution(options: Buffer, little: boolean): number {
  let at = 0;
  while (at + 4 <= options.length) {
    const code = little ? options.readUInt16LE(at) : options.readUInt16BE(at);
    const length = little ? options.readUInt16LE(at + 2) : options.readUInt16BE(at + 2);
    if (code === 0) break;
    if (code === OPTION_TIMESTAMP_RESOLUTION && length >= 1) {
      const value = options[at + 4]!;
      const perSecond = value & 0x80 ? 2 ** (value & 0x7f) : 10 ** (value & 0x7f);
      return perSecond / 1000;
    }
    at += 4 + length + ((4 - (length % 4)) % 4);
  }
  return 1000; // microseconds, the pcapng default
}

export async function splitPcapng(input: string, selections: readonly PacketSelection[]): Promise<void> {
  if (selections.length === 0) return;
  const data = await readFile(input);
  const outputs = selections.map(() => [] as Buffer[]);
  let little = true;
  let interfaces: Interface[] = [];
  let at = 0;
  while (at + 12 <= data.length) {
    const typeLE = data.readUInt32LE(at);
    if (typeLE === SECTION_HEADER) {
      little = data.readUInt32LE(at + 8) === BYTE_ORDER_MAGIC;
      interfaces = [];
    }
    const u32 = (offset: number) => (little ? data.readUInt32LE(offset) : data.readUInt32BE(offset));
    const type = u32(at);
    const length = u32(at + 4);
    // a block cut short (dumpcap killed mid-write) ends the file; what came before stays usable
    if (length < 12 || at + length > data.length) break;
    const block = data.subarray(at, at + length);
    const body = block.subarray(8, length - 4);
    if (type === SECTION_HEADER || type === INTERFACE_DESCRIPTION) {
      if (type === INTERFACE_DESCRIPTION) {
        interfaces.push({
          linkType: little ? body.readUInt16LE(0) : body.readUInt16BE(0),
          unitsPerMs: timestampResolution(body.subarray(8), little),
        });
      }
      for (const out of outputs) out.push(block);
    } else if (type === ENHANCED_PACKET && body.length >= 20) {
      const iface = interfaces[u32(at + 8)];
      const captured = u32(at + 20);
      const frame = body.subarray(20, 20 + captured);
      const endpoints = iface ? packetEndpoints(frame, iface.linkType) : undefined;
      if (iface && endpoints) {
        const ms = (u32(at + 12) * 2 ** 32 + u32(at + 16)) / iface.unitsPerMs;
        selections.forEach((s, i) => {
          if (ms >= s.from && ms <= s.to && (s.endpoints.has(endpoints[0]) || s.endpoints.has(endpoints[1]))) outputs[i]!.push(block);
        });
      }
    } else if (type !== INTERFACE_STATISTICS) {
      // name resolution, decryption secrets, custom blocks: they describe the whole section
      for (const out of outputs) out.push(block);
    }
    at += length;
  }
  await Promise.all(selections.map((s, i) => writeFile(s.file, Buffer.concat(outputs[i]!))));
}
