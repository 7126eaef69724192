/**
 * squid ssl-bump (Debian's squid-openssl 5.7): the squid wiki's peek-then-bump recipe with the
 * targets chosen by an ssl::server_name ACL (the SNI it peeked at) and every other name spliced
 * through untouched; an explicit proxy on loopback, `https_port … intercept` in a gateway (netns, containers).
 * It forges with the scenario's issuing CA (its chain in the same file) and verifies origins
 * against the lab's public PKI. Its own config, certificate db, logs and hosts file live in the
 * box's dir, so nothing machine-wide is read or written.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeBoxCa } from './ca-files.ts';
import { findExecutable } from '../runtime/find-executable.ts';
import { explicitBoxListening, freeLoopbackPort, spawnBox } from './process.ts';
import { writeHostsFile } from './sites-file.ts';
import type { BoxPolicy, Interceptor, Limitation } from './types.ts';
import { createLabTempDir, removeRegisteredDir } from '../runtime/registry/run.ts';

// Debian's build drops to this user when started as root; it must read the box's dir
const SQUID_USER = 'proxy';
const certgen = () => findExecutable('security_file_certgen', ['/usr/lib/squid']);

interface SquidPlan {
  /** the http_port / https_port lines */
  ports: string[];
  clientAcl: string;
}

function squidConfig(policy: BoxPolicy, dir: string, plan: SquidPlan): string {
  const ca = writeBoxCa(policy, dir);
  // squid sends the certificates after the key's own in tls-cert= as the chain
  const certFile = join(dir, 'squid-ca.pem');
  writeFileSync(certFile, ca.keyPem + ca.certPem + ca.chainPem.join('') + ca.rootPem, { mode: 0o600 });
  const certDb = join(dir, 'ssl_db');
  execFileSync(certgen()!, ['-c', '-s', certDb, '-M', '16MB'], { stdio: 'ignore' });
  const targets = policy.targets.wildcard ? ['acl targets all-of all'] : [`acl targets ssl::server_name ${[...policy.targets.names].join(' ')}`];
  return [
    ...plan.ports.map((p) => p.replace('@CERT@', certFile)),
    `sslcrtd_program ${certgen()} -s ${certDb} -M 16MB`,
    'sslcrtd_children 5 startup=1 idle=1',
    'acl step1 at_step SslBump1',
    ...targets,
    'ssl_bump peek step1',
    'ssl_bump bump targets',
    'ssl_bump splice all',
    policy.upstream.verify ? `tls_outgoing_options cafile=${policy.upstreamCaFile}` : 'tls_outgoing_options flags=DONT_VERIFY_PEER',
    `acl lab_client ${plan.clientAcl}`,
    'acl lab_ports port 1-65535',
    'http_access allow lab_client',
    'http_access deny all',
    'cache deny all',
    'access_log none',
    `cache_log ${join(dir, 'cache.log')}`,
    `pid_filename ${join(dir, 'squid.pid')}`,
    `coredump_dir ${dir}`,
    `hosts_file ${writeHostsFile(policy, dir)}`,
    // every name squid may need is in hosts_file: a lookup must never leave the lab
    'dns_nameservers 127.0.0.1',
    'visible_hostname tlslab-squid',
    'netdb_filename none',
    'pinger_enable off',
    'workers 1',
    'logfile_rotate 0',
    'shutdown_lifetime 0 seconds',
  ].join('\n') + '\n';
}

function handToSquidUser(dir: string): void {
  if (process.getuid?.() === 0) execFileSync('chown', ['-R', `${SQUID_USER}:${SQUID_USER}`, dir]);
  else chmodSync(dir, 0o700);
}

export const squid: Interceptor = {
  name: 'squid',
  settings: 'squid 5.7 ssl-bump (Debian squid-openssl): peek at step 1, bump the targets (ssl::server_name), splice the rest; generate-host-certificates with the scenario\'s issuing CA; upstream verified against the lab public CA',
  missing() {
    const binary = findExecutable('squid');
    // Debian's plain "squid" is a GnuTLS build without ssl-bump; only squid-openssl can bump
    const canBump = binary && certgen() && execFileSync(binary, ['-v'], { encoding: 'utf8' }).includes('--with-openssl');
    return canBump ? undefined : 'squid with ssl-bump is not installed (apt-get install squid-openssl)';
  },
  limitations(policy: BoxPolicy): Limitation[] {
    if (!policy.upstream.interceptOnlyIfUpstreamValid || policy.brokenSites.length === 0) return [];
    return [{ text: 'squid cannot pass a broken origin through untouched (the 2019 trigger): it refuses it or serves its error page', sites: policy.brokenSites }];
  },
  async start(policy) {
    // squid drops to its own user, who cannot enter the run's private dir: it gets a lab dir of its own
    const dir = createLabTempDir('tlslab-squid-', 'squid box');
    const port = await freeLoopbackPort();
    const config = squidConfig(policy, dir, {
      ports: [`http_port 127.0.0.1:${port} ssl-bump tls-cert=@CERT@ generate-host-certificates=on dynamic_cert_mem_cache_size=16MB`],
      clientAcl: 'src 127.0.0.1',
    });
    writeFileSync(join(dir, 'squid.conf'), config);
    handToSquidUser(dir);
    const box = spawnBox('squid', findExecutable('squid')!, ['-N', '-f', join(dir, 'squid.conf')], { logFile: join(dir, 'squid.out'), cwd: dir });
    const stop = async () => {
      await box.stop();
      removeRegisteredDir(dir);
    };
    return explicitBoxListening(box, 'squid', port, { caPem: policy.authority.root.certPem, stop, timeoutMs: 30_000 });
  },
  async startTransparent(policy, place) {
    const port = 28082;
    const dir = place.userDir('tlslab-squid-', 'squid box');
    const config = squidConfig(policy, dir, {
      // squid wants a plain forward port besides the intercepting one
      ports: ['http_port 127.0.0.1:28083', `https_port ${port} intercept ssl-bump tls-cert=@CERT@ generate-host-certificates=on dynamic_cert_mem_cache_size=16MB`],
      clientAcl: 'src all',
    });
    writeFileSync(join(dir, 'squid.conf'), config);
    handToSquidUser(dir);
    const running = place.spawn(['squid', '-N', '-f', join(dir, 'squid.conf')], { logFile: join(place.workDir, 'squid.out') });
    const stop = async () => {
      await running.stop();
      removeRegisteredDir(dir);
    };
    try {
      await place.waitListening(port, 30_000);
    } catch (err) {
      await stop();
      throw new Error(`squid in the gateway: ${(err as Error).message}: ${running.logTail()}`);
    }
    return { port, caPem: policy.authority.root.certPem, logTail: running.logTail, stop };
  },
};
