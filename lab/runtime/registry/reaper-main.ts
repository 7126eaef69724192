/**
 * Started by the supervisor when the lab process it watched has ended and left its run record:
 * removes everything the record names, then the record. Usage: reaper-main.ts RECORD_FILE
 */
import { readRecord, removeRecord } from './record.ts';
import { isSameProcess } from './proc.ts';
import { cleanUpRecord } from './clean.ts';

const file = process.argv[2];
if (!file) throw new Error('usage: reaper-main.ts RECORD_FILE');
const first = readRecord(file);
if (first) {
  // the pipe closes as the owner exits; its own exit hook may still be finishing
  const deadline = Date.now() + 10_000;
  while (isSameProcess(first.owner.pid, first.owner.startTicks) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}
const record = readRecord(file);
if (!record) {
  removeRecord(file);
} else if (isSameProcess(record.owner.pid, record.owner.startTicks)) {
  process.stdout.write(`tlslab reaper: owner ${record.owner.pid} still runs; leaving run ${record.runId} alone\n`);
} else {
  const report = await cleanUpRecord(file, record);
  process.stdout.write(`tlslab reaper: ${JSON.stringify(report)}\n`);
}
