/**
 * A harness-like parent for the gc test: brings a lab up, starts daemons (one of which escapes
 * the parent-death signal by forking into its own session, as a real daemon might), prints its
 * state and waits to be SIGKILLed.
 */
import { NetnsLab } from '../../lab/runtime/netns/lab.ts';
import { registeredNow, runRecordFile } from '../../lab/runtime/registry/run.ts';

const lab = await NetnsLab.up({ clients: 1, routersBeforeGateway: 1, origins: ['facebook.com'] });
lab.spawn('origin-facebook', ['sleep', '300']);
// the grandchild has no parent-death signal: only the recorded namespace inode can find it
const escaper = lab.spawn('gw', ['sh', '-c', 'setsid sleep 301 </dev/null >/dev/null 2>&1 & echo $!']);
await new Promise((resolve) => escaper.stdout!.once('data', resolve));
const record = registeredNow();
process.stdout.write(
  JSON.stringify({
    recordFile: runRecordFile(),
    runId: record.runId,
    supervisorPid: record.supervisor?.pid,
    holderPid: lab.holder.pid,
    prefix: lab.holder.prefix,
    inodes: Object.values(lab.holder.namespaces()),
  }) + '\n',
);
setInterval(() => undefined, 1000);
