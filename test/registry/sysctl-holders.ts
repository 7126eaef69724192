/**
 * Helper for registry.test.ts, run inside a private network and mount namespace (so the
 * ip_forward it turns is that namespace's own, and /sys shows only its interfaces): two runs hold
 * ip_forward in overlap, as two containers runs do, and the value goes back only after both.
 * Prints what each step saw, as JSON. argv[2]: a dir for the holds; argv[3]: a record file that
 * exists, standing for a holder whose run record is still waiting for clean-up.
 */
import { writeFileSync } from 'node:fs';
import { IP_FORWARD, holdSysctl, readSysctl, releaseSysctl, settlePendingSysctls, type SysctlHolder } from '../../lab/runtime/registry/sysctl.ts';
import { processStartTicks } from '../../lab/runtime/registry/proc.ts';

const [dir, liveRecord] = [process.argv[2]!, process.argv[3]!];
const PROC = '/proc/sys/net/ipv4/ip_forward';
const me = { pid: process.pid, startTicks: processStartTicks(process.pid)! };
const holder = (runId: string, record = `/nonexistent/${runId}.json`): SysctlHolder => ({ runId, ...me, record });
const steps: Record<string, string | undefined> = {};

writeFileSync(PROC, '0');
await holdSysctl(IP_FORWARD, holder('first'), dir);
writeFileSync(PROC, '1'); // what netavark does with the first bridge
await holdSysctl(IP_FORWARD, holder('second'), dir); // sees 1: the old code remembered that as "before"
steps.firstReleased = await releaseSysctl(IP_FORWARD, 'first', dir);
steps.afterFirst = readSysctl(IP_FORWARD);
steps.secondReleased = await releaseSysctl(IP_FORWARD, 'second', dir);
steps.afterSecond = readSysctl(IP_FORWARD);

// a holder that died without releasing: while its record waits for gc, the value stays
writeFileSync(PROC, '0');
const dead = { pid: 999_999_999, startTicks: 1 };
await holdSysctl(IP_FORWARD, { runId: 'dead', ...dead, record: liveRecord }, dir);
writeFileSync(PROC, '1');
await holdSysctl(IP_FORWARD, holder('third'), dir);
steps.thirdReleased = await releaseSysctl(IP_FORWARD, 'third', dir);
steps.afterThird = readSysctl(IP_FORWARD);
steps.deadReleasedByGc = await releaseSysctl(IP_FORWARD, 'dead', dir);
steps.afterDead = readSysctl(IP_FORWARD);

// one whose record is gone too will never be released by anyone: the next release drops it
writeFileSync(PROC, '0');
await holdSysctl(IP_FORWARD, { runId: 'lost', ...dead, record: '/nonexistent/lost.json' }, dir);
writeFileSync(PROC, '1');
await holdSysctl(IP_FORWARD, holder('fourth'), dir);
steps.fourthReleased = await releaseSysctl(IP_FORWARD, 'fourth', dir);
steps.afterLost = readSysctl(IP_FORWARD);
steps.pending = JSON.stringify(await settlePendingSysctls(dir));
process.stdout.write(JSON.stringify(steps) + '\n');
