/**
 * Chromium's NetLog, read as it is written: the only place headless Chromium exposes the
 * certificate status bits of a page that loaded, e.g. that its chain matched a CRLSet
 * KnownInterceptionSPKIs entry (Chrome's infobar; CDP reports a plain "secure").
 */
import { open, stat } from 'node:fs/promises';

/** net/cert/cert_status_flags_list.h */
export const CERT_STATUS_KNOWN_INTERCEPTION_DETECTED = 1 << 21;

const CERT_STATUS = /"cert_status":(\d+)/g;
const SETTLE_MS = 300;

export class NetLogTail {
  constructor(readonly file: string) {}

  async size(): Promise<number> {
    return stat(this.file).then((s) => s.size, () => 0);
  }

  private async readFrom(offset: number): Promise<string> {
    const handle = await open(this.file, 'r').catch(() => undefined);
    if (!handle) return '';
    try {
      const { size } = await handle.stat();
      const buffer = Buffer.alloc(Math.max(0, size - offset));
      await handle.read(buffer, 0, buffer.length, offset);
      return buffer.toString('utf8');
    } finally {
      await handle.close();
    }
  }

  /** OR of every certificate status Chromium logged since `offset` (waits briefly for the write) */
  async certStatusSince(offset: number): Promise<number> {
    const deadline = performance.now() + SETTLE_MS;
    let text = await this.readFrom(offset);
    while (!CERT_STATUS.test(text) && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      text = await this.readFrom(offset);
    }
    CERT_STATUS.lastIndex = 0;
    let status = 0;
    for (const match of text.matchAll(CERT_STATUS)) status |= Number(match[1]);
    return status;
  }
}
