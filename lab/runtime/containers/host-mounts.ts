/**
 * What each role container sees of the host, always at the same path, so that a path the lab
 * hands a program (a binary, a script, a trust file, a profile) means the same file inside:
 * - every role: the host's /usr and the /etc entries its programs read, read-only. The image is a
 *   skeleton (docker/base-rootfs.sh); the programs are the host's own, the very builds the
 *   loopback runtime runs, so a verdict cannot differ by version. Not /etc as a whole: its trust
 *   store stays empty (the scenario decides what a client trusts), and nothing else of it is needed.
 * - roles that run the lab's TypeScript: its tree (node_modules included) read-only, and tsx's
 *   compile cache read-only (hits are read, misses compile in the container and are not kept).
 * - clients, besides: the install prefixes of interpreters outside /usr that the shims resolve on
 *   the host (Node, Python: pyenv and the like), the Java visitor's class cache, and read-write the
 *   scenario's work dir and the lab's shared dir. Nothing else of the host, its temp dir included
 *   (the engine's API socket lives there).
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { userCacheDir } from '../../clients/java-jvm.ts';
import { cleanEnvironment } from '../../clients/process.ts';

export interface HostMount {
  source: string;
  target: string;
  mode: 'ro' | 'rw';
}

/** /etc entries host programs read: alternatives (java), fonts, loader cache, OpenSSL config, browser and JDK config */
const ETC_ENTRIES = ['alternatives', 'fonts', 'ld.so.cache', 'localtime', 'ssl/openssl.cnf', 'gnutls', 'wgetrc', 'chromium', 'firefox-esr', 'iproute2', 'python3'];
/** fontconfig's cache: without it every browser start rebuilds it */
const VAR_ENTRIES = ['/var/cache/fontconfig'];

export const LAB_TREE = realpathSync(fileURLToPath(new URL('../../../', import.meta.url))).replace(/\/$/, '');

function same(path: string, mode: HostMount['mode'] = 'ro'): HostMount {
  return { source: path, target: path, mode };
}

function within(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** the host's programs: /usr and what of /etc they read */
export function programMounts(): HostMount[] {
  const etc = [...ETC_ENTRIES, ...readdirSync('/etc').filter((e) => /^java-\d+/.test(e) || /^python3\.\d+$/.test(e))];
  return [same('/usr'), ...[...new Set(etc)].map((e) => `/etc/${e}`).filter((p) => existsSync(p)).map((p) => same(p)), ...VAR_ENTRIES.filter((p) => existsSync(p)).map((p) => same(p))];
}

/** the lab's tree and tsx's cache (inside, $TMPDIR is unset: tsx looks in /tmp) */
export function labTreeMounts(): HostMount[] {
  const cache = `tsx-${process.geteuid?.() ?? 0}`;
  const hostCache = join(tmpdir(), cache);
  return [same(LAB_TREE), ...(existsSync(hostCache) ? [{ source: realpathSync(hostCache), target: `/tmp/${cache}`, mode: 'ro' as const }] : [])];
}

let interpreterPrefixes: Promise<string[]> | undefined;
let knownPrefixes: string[] | undefined;

/**
 * Where the host's Node and Python live when not under /usr (nvm, pyenv): the shims run them by
 * absolute path. Asked once per process, asynchronously (a pyenv shim takes 150 ms and more to
 * answer), so a session can ask while its engine starts; the mounts below need the answer.
 */
export function resolveHostInterpreters(): Promise<string[]> {
  interpreterPrefixes ??= (async () => {
    const prefixes = [dirname(dirname(realpathSync(process.execPath)))];
    const python = await new Promise<string>((resolve) => {
      execFile('python3', ['-I', '-c', 'import sys; print(sys.base_prefix)'], { env: cleanEnvironment(), encoding: 'utf8', timeout: 15_000 }, (error, stdout) => resolve(error ? '' : stdout.trim()));
    });
    if (python.startsWith('/') && existsSync(python)) prefixes.push(realpathSync(python));
    knownPrefixes = prefixes;
    return prefixes;
  })();
  return interpreterPrefixes;
}

function hostInterpreterPrefixes(): string[] {
  if (!knownPrefixes) throw new Error('host-mounts: resolveHostInterpreters() must have finished before mounts are planned');
  return knownPrefixes;
}

/** read-only mounts of these paths, leaving out what the others already hold */
function beside(base: readonly HostMount[], paths: readonly string[]): HostMount[] {
  return [...new Set(paths)].filter((p) => existsSync(p) && !base.some((m) => within(p, m.source))).map((p) => same(p));
}

/** what a lab role running the lab's code mounts: programs, the tree, the Node it runs */
export function roleMounts(): HostMount[] {
  const base = [...programMounts(), ...labTreeMounts()];
  return [...base, ...beside(base, [hostInterpreterPrefixes()[0]!])];
}

/**
 * what the gateway adds when a box the lab did not write runs in it: the host's user and group
 * databases, read-only, since such a box drops to its own user by name (squid: proxy) and the lab
 * hands it its dir on the host by that name; the same database on both sides means the same uid
 */
export function boxUserMounts(): HostMount[] {
  return ['/etc/passwd', '/etc/group'].map((p) => same(p));
}

/** what a client container mounts: the role's, other interpreters, the Java class cache, and its writable dirs */
export function clientMounts(writable: readonly string[]): HostMount[] {
  const base = roleMounts();
  return [...base, ...beside(base, [...hostInterpreterPrefixes(), userCacheDir()]), ...writable.map((p): HostMount => ({ source: realpathSync(p), target: p, mode: 'rw' }))];
}
