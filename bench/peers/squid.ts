/**
 * Peer row: squid (squid-openssl) with ssl-bump, the squid wiki's peek-at-SNI-then-bump recipe,
 * with its own config, certificate db, logs and hosts file in the peer's temp dir.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { launchPeer } from './launch.ts';
import { findExecutable } from '../../lab/runtime/find-executable.ts';
import { mintPeerCa } from './peer-ca.ts';
import type { Peer } from './types.ts';

// Debian's build drops to this user when started as root; its helpers must reach the temp dir
const SQUID_USER = 'proxy';

// Debian keeps the certificate helper off PATH
const certgenPath = () => findExecutable('security_file_certgen', ['/usr/lib/squid']);

export const squid: Peer = {
  name: 'squid',
  door: 'connect',
  settings:
    'squid ssl-bump: "ssl_bump peek step1" + "ssl_bump bump all", generate-host-certificates=on, upstream verified ' +
    '(tls_outgoing_options cafile=), cache deny all, access_log none, workers 1, names via hosts_file; leaf key = the CA key (CA key type follows the origin\'s)',
  missing: () => {
    const binary = findExecutable('squid');
    // Debian's plain "squid" is a GnuTLS build without ssl-bump; only squid-openssl can bump
    const canBump = binary && certgenPath() && execFileSync(binary, ['-v'], { encoding: 'utf8' }).includes('--with-openssl');
    return canBump ? undefined : 'not installed (apt-get install squid-openssl)';
  },
  start: (options) =>
    launchPeer('squid', async (workspace, port) => {
      const ca = await mintPeerCa(workspace, 'squid', options.originKeyType);
      const certDb = workspace.file('ssl_db');
      const certgen = certgenPath()!;
      execFileSync(certgen, ['-c', '-s', certDb, '-M', '16MB'], { stdio: 'ignore' });
      writeFileSync(workspace.file('hosts'), options.hostNames.map((name) => `127.0.0.1 ${name}\n`).join(''));
      const config = [
        `http_port 127.0.0.1:${port} ssl-bump tls-cert=${ca.keyAndCertFile} generate-host-certificates=on dynamic_cert_mem_cache_size=16MB`,
        `sslcrtd_program ${certgen} -s ${certDb} -M 16MB`,
        'sslcrtd_children 5 startup=1 idle=1',
        'acl step1 at_step SslBump1',
        'ssl_bump peek step1',
        'ssl_bump bump all',
        `tls_outgoing_options cafile=${options.upstreamCaFile}`,
        'acl bench_client src 127.0.0.1',
        'http_access allow bench_client',
        'http_access deny all',
        'cache deny all',
        'access_log none',
        `cache_log ${workspace.file('cache.log')}`,
        `pid_filename ${workspace.file('squid.pid')}`,
        `coredump_dir ${workspace.dir}`,
        `hosts_file ${workspace.file('hosts')}`,
        // nothing should leave the machine: every bench name is in hosts_file
        'dns_nameservers 127.0.0.1',
        'visible_hostname tlslab-bench',
        'netdb_filename none',
        'pinger_enable off',
        'workers 1',
        'logfile_rotate 0',
        'shutdown_lifetime 0 seconds',
      ];
      writeFileSync(workspace.file('squid.conf'), config.join('\n') + '\n');
      if (process.getuid?.() === 0) execFileSync('chown', ['-R', `${SQUID_USER}:${SQUID_USER}`, workspace.dir]);
      return {
        command: findExecutable('squid')!,
        args: ['-N', '-f', workspace.file('squid.conf')],
        caPem: () => ca.certPem,
      };
    }),
};
