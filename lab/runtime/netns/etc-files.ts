/**
 * Per-host /etc, through `ip netns exec`'s bind mounts of /etc/netns/<ns>/* — the files live in
 * the holder's overlay, never in the host's /etc. Trust for OpenSSL-family clients is a whole
 * /etc/ssl replacement, so it carries its own openssl.cnf and hash links (netns.md §2).
 */
import { readFileSync } from 'node:fs';
import type { Holder } from './holder.ts';

export function etcPath(ns: string, file: string): string {
  return `/etc/netns/${ns}/${file}`;
}

export function writeHostsAndResolver(holder: Holder, ns: string, host: string, nameserver: string | undefined): void {
  holder.writePrivateFile(etcPath(ns, 'hosts'), `127.0.0.1 localhost\n127.0.1.1 ${host}\n`);
  // without a nameserver line glibc would try 127.0.0.1, which is the namespace's own lo
  holder.writePrivateFile(etcPath(ns, 'resolv.conf'), nameserver ? `nameserver ${nameserver}\noptions timeout:1 attempts:1\n` : '');
}

/**
 * Installs exactly these anchors as the namespace's system trust (nothing from the host), as a
 * bundle for curl/Python/OpenSSL and as hashed files for CApath users. Node needs --use-openssl-ca.
 */
export async function installSystemTrust(holder: Holder, ns: string, anchorPems: readonly string[]): Promise<void> {
  const base = etcPath(ns, 'ssl');
  holder.removePrivatePath(base);
  holder.writePrivateFile(`${base}/openssl.cnf`, readFileSync('/etc/ssl/openssl.cnf'));
  const pems = anchorPems.map((p) => p.trim() + '\n');
  holder.writePrivateFile(`${base}/certs/ca-certificates.crt`, pems.join(''));
  pems.forEach((pem, i) => holder.writePrivateFile(`${base}/certs/lab-anchor-${i}.pem`, pem));
  holder.writePrivateFile(`${base}/private/.keep`, '');
  if (pems.length > 0) await holder.runInHolder(['openssl', 'rehash', `${base}/certs`]);
}

/** Environment a lab client starts from (after `env -i`): its own HOME, nothing inherited. */
export function cleanClientEnv(home: string): Record<string, string> {
  return { HOME: home, LANG: 'C.UTF-8' };
}

/** Node flags that make a Node client use the namespace's /etc/ssl instead of its bundled roots. */
export const NODE_SYSTEM_TRUST_FLAGS: readonly string[] = ['--use-openssl-ca'];
