/**
 * Helper for registry.test.ts (not a test itself): a lab process in miniature. It records a temp
 * dir holding a key log and a process group (a shell with a background child, as a browser has
 * helpers), prints what it recorded, then waits to be killed.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLabTempDir, registerProcess, registeredNow, runRecordFile } from '../../lab/runtime/registry/run.ts';

const dir = createLabTempDir('tlslab-run-', 'test run dir');
writeFileSync(join(dir, 'engine-keys.log'), 'CLIENT_RANDOM 00 00\n');
// detached: its own group, and no parent-death signal, so only the registry can end it
const group = spawn('sh', ['-c', 'sleep 300 & exec sleep 301'], { detached: true, stdio: 'ignore' });
registerProcess(group.pid!, { group: true, what: 'sh' });
const record = registeredNow();
process.stdout.write(JSON.stringify({ recordFile: runRecordFile(), runId: record.runId, supervisorPid: record.supervisor?.pid, group: group.pid, dir }) + '\n');
setInterval(() => undefined, 1000);
