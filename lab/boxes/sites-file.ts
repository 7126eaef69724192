/** The scenario's names and their lab addresses, in a file for boxes that resolve names themselves. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BoxPolicy } from './types.ts';

/** { name: address } as JSON; the ports are the ones the clients dial, which the origins listen on */
export function writeSitesJson(policy: BoxPolicy, dir: string): string {
  const file = join(dir, 'sites.json');
  const map = Object.fromEntries(policy.sites.flatMap((site) => {
    const to = policy.resolve(site);
    return to ? [[site.toLowerCase(), to.host]] : [];
  }));
  writeFileSync(file, JSON.stringify(map));
  return file;
}

/** /etc/hosts lines for the same map (squid's hosts_file) */
export function writeHostsFile(policy: BoxPolicy, dir: string): string {
  const file = join(dir, 'hosts');
  const lines = policy.sites.flatMap((site) => {
    const to = policy.resolve(site);
    return to ? [`${to.host} ${site.toLowerCase()}`] : [];
  });
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}
