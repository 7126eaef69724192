/**
 * Forging throughput and latency per profile. Run: npx tsx bench/forge.ts [leaves-per-profile]
 *   new:    a fresh SNI and a distinct upstream certificate per leaf, key pool warmed first and
 *           sized so that no refill runs during the measurement (what "warm pool" means);
 *   cached: the same SNIs and upstreams again.
 * Key generation itself (what a pool refill costs in the background) is timed separately.
 * Goals (docs/ca.md): modern ≤ 1 ms cached, ≤ 3 ms new; kz-2019 ≤ 3 ms new with a warm pool.
 * Performance is measured here, never asserted in tests.
 */
import { X509Certificate } from 'node:crypto';
import { loadavg } from 'node:os';
import { createAuthority, createForger, issueServerCertificate, PROFILE_NAMES } from '../lab/ca/index.ts';
import { generateLabKeyPair, type KeySpec } from '../lab/ca/keys.ts';

const leaves = Number(process.argv[2] ?? 64);

interface Timing {
  perSecond: number;
  p50: number;
  p95: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function timed(run: (i: number) => Promise<unknown>, n: number): Promise<Timing> {
  const samples: number[] = [];
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await run(i);
    samples.push(performance.now() - t);
  }
  const total = performance.now() - start;
  samples.sort((a, b) => a - b);
  return { perSecond: (n / total) * 1000, p50: percentile(samples, 50), p95: percentile(samples, 95) };
}

const row = (label: Record<string, string | number>, r: Timing) => ({
  ...label,
  'per s': Math.round(r.perSecond),
  'p50 ms': r.p50.toFixed(3),
  'p95 ms': r.p95.toFixed(3),
});

const authority = await createAuthority('qaznet-2019');
const publicCa = await createAuthority('lab-public');
const hosts = Array.from({ length: leaves }, (_, i) => `host${i}.example`);
const upstreams = await Promise.all(
  hosts.map(async (host) => Buffer.from(new X509Certificate((await issueServerCertificate(publicCa, { names: [host, `www.${host}`], keyType: 'rsa2048' })).certPem).raw)),
);

const rows: Array<Record<string, string | number>> = [];
for (const profile of PROFILE_NAMES) {
  // lowWater below what the run takes, so refills never overlap the measurement
  const forger = await createForger(authority, profile, { poolSize: 2 * leaves + 16 });
  await forger.warm();
  await forger.forge({ sni: 'warmup.invalid', upstreamDer: upstreams[0]! }); // JIT warm-up
  const fresh = await timed((i) => forger.forge({ sni: hosts[i]!, upstreamDer: upstreams[i]! }), leaves);
  const cached = await timed((i) => forger.forge({ sni: hosts[i]!, upstreamDer: upstreams[i]! }), leaves);
  rows.push(row({ profile, mode: 'new' }, fresh), row({ profile, mode: 'cached' }, cached));
}

const keyRows: Array<Record<string, string | number>> = [];
const keySpecs: Array<[string, KeySpec]> = [
  ['ecdsa-p256 (modern)', { type: 'ecdsa-p256' }],
  ['rsa2048 e=3 (kz-2019)', { type: 'rsa2048', publicExponent: 3 }],
  ['rsa2048 (per-host-key)', { type: 'rsa2048' }],
];
for (const [label, spec] of keySpecs) {
  keyRows.push(row({ key: label }, await timed(() => generateLabKeyPair(spec), spec.type === 'ecdsa-p256' ? 64 : 16)));
}

console.log(`issuing CA: ${new X509Certificate(authority.intermediates[0]!.certPem).subject.replace(/\n/g, ', ')} (RSA-2048); ` +
  `${leaves} leaves per profile; Node ${process.version}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.table(rows);
console.log('key generation (background pool refill cost, one at a time):');
console.table(keyRows);
