/**
 * TTL-limited localisation from the probing machine itself (Raman et al., IMC 2020; the lab's
 * netns runtime does the same sweep with lab/runtime/netns/ttl-probe.py, which this reuses): the
 * ClientHello goes out with IP TTL 1, 2, 3, …; the smallest TTL that still draws the forged
 * certificate is the interceptor's hop. An untargeted name sent to the same address shows where
 * the real server answers. The script listens for the routers' Time Exceeded on a raw ICMP
 * socket, which needs CAP_NET_RAW: without it the part is skipped with the reason, never guessed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isIP } from 'node:net';
import { X509Certificate } from 'node:crypto';
import { runClient } from '../clients/process.ts';
import { spkiSha256 } from '../clients/chain.ts';
import type { ClientLauncher } from '../clients/types.ts';
import { findExecutable } from '../runtime/find-executable.ts';
import type { TtlPart, TtlStep } from './types.ts';

const SWEEP = fileURLToPath(new URL('../runtime/netns/ttl-probe.py', import.meta.url));
/** the 2019 box never listed it; any server answers it with its default certificate */
export const CONTROL_SNI = 'example.com';

export interface TtlOptions {
  /** where the site's TLS endpoint is: an address or a name the sweep resolves itself */
  destination: string;
  port: number;
  site: string;
  /** SPKI (base64) of the forged leaf the full handshake drew */
  forgedLeafSpki: string;
  launcher?: ClientLauncher;
  maxTtl: number;
  /** per TTL */
  timeoutS: number;
  /** run the sweep as nobody with no capabilities (a person without root); needs root to drop */
  withoutRoot?: boolean;
}

/** why the sweep cannot say anything about this destination, before trying */
export function ttlNotApplicable(destination: string, routeKind: 'direct' | 'connect'): string | undefined {
  if (routeKind === 'connect') return 'the site is reached through a proxy: a TTL sweep would measure the way to the proxy, not to the site';
  if (isLoopback(destination)) return 'the site is on this machine (loopback): there are no hops to localise';
  return undefined;
}

function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

export async function sweepTtl(o: TtlOptions): Promise<TtlPart> {
  const started = performance.now();
  // an unprivileged user cannot run an interpreter under root's home (pyenv shims), and a lab's
  // client container sees the host's /usr but not root's home: the system one there
  const python = o.withoutRoot || o.launcher ? (SYSTEM_PYTHONS.find((p) => existsSync(p)) ?? findExecutable('python3')) : findExecutable('python3');
  if (!python) return { skipped: 'python3 is not installed (apt-get install python3): the TTL sweep is a python3 script' };
  const sweep = async (sni: string): Promise<TtlStep[] | { skipped: string }> => {
    const sweepArgs = [o.destination, String(o.port), sni, String(o.maxTtl), String(o.timeoutS), 'icmp'];
    // nobody may not be able to read the lab's tree (a clone in a 0700 dir): the script goes in on stdin
    const [binary, ...args] = o.withoutRoot ? [findExecutable('setpriv') ?? 'setpriv', ...UNPRIVILEGED, python, '-', ...sweepArgs] : [python, SWEEP, ...sweepArgs];
    const timeoutMs = Math.ceil(o.maxTtl * (o.timeoutS + 1) * 1000) + 10_000;
    const r = await runClient(binary!, args, { timeoutMs, ...(o.launcher && { launcher: o.launcher }), ...(o.withoutRoot && { input: readFileSync(SWEEP, 'utf8') }) });
    const lines = r.stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as RawStep);
    const refusal = lines.find((l) => l.error === 'raw-socket');
    if (refusal) return { skipped: `the TTL part needs a raw ICMP socket, i.e. root (CAP_NET_RAW): ${refusal.detail ?? 'refused'}` };
    if (lines.length === 0) return { skipped: `the TTL sweep printed nothing (${r.timedOut ? 'timed out' : `exit ${r.exitCode}`}: ${r.stderr.trim().split('\n').slice(-1)[0] ?? ''})` };
    return lines.map((l) => step(l, o.forgedLeafSpki));
  };
  const siteSweep = await sweep(o.site);
  if ('skipped' in siteSweep) return siteSweep;
  const controlSweep = await sweep(CONTROL_SNI);
  if ('skipped' in controlSweep) return controlSweep;
  return {
    interceptorHop: siteSweep.find((s) => s.outcome === 'forged-certificate')?.ttl ?? null,
    originHop: controlSweep.find((s) => s.outcome === 'certificate')?.ttl ?? null,
    siteSweep,
    controlSweep,
    ms: Math.round(performance.now() - started),
  };
}

const SYSTEM_PYTHONS = ['/usr/bin/python3', '/usr/local/bin/python3'];

/** nobody, no groups, every capability gone: what a person without root has */
const UNPRIVILEGED = ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', '--'];

interface RawStep {
  ttl: number;
  outcome: 'certificate' | 'no-answer' | 'closed' | 'error' | 'time-exceeded';
  certDer?: string;
  router?: string;
  error?: string;
  detail?: string;
}

function step(raw: RawStep, forgedLeafSpki: string): TtlStep {
  const out: TtlStep = { ttl: raw.ttl, outcome: raw.outcome };
  if (raw.outcome === 'certificate' && raw.certDer) {
    const leaf = new X509Certificate(Buffer.from(raw.certDer, 'base64'));
    out.outcome = spkiSha256(leaf) === forgedLeafSpki ? 'forged-certificate' : 'certificate';
  }
  if (raw.router) out.router = raw.router;
  return out;
}
