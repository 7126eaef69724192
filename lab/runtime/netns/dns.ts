/**
 * The lab resolver: dnsmasq in its own namespace, answering only for lab sites and refusing
 * everything else (it has no upstream).
 */
import type { ChildProcess } from 'node:child_process';
import type { Holder } from './holder.ts';
import { waitForListener } from './readiness.ts';

export async function startLabDns(holder: Holder, ns: string, address: string, records: Record<string, string>): Promise<ChildProcess> {
  const argv = [
    // --no-daemon also keeps dnsmasq from switching user or groups, which a user namespace forbids
    'dnsmasq', '--no-daemon', '--no-resolv', '--no-hosts', '--no-poll', '--conf-file=/dev/null',
    `--listen-address=${address}`, '--bind-interfaces', '--pid-file=', '--log-facility=-',
  ];
  for (const [name, ip] of Object.entries(records)) argv.push(`--host-record=${name},${ip}`);
  const child = holder.spawnIn(ns, argv);
  await waitForListener(holder, ns, 'udp', `${address}:53`, child);
  return child;
}
