/**
 * Forging throughput and latency per profile, new leaves (fresh SNI each time, key pool warmed
 * first) and cached leaves (same SNIs again). Run: npx tsx bench/forge.ts [leaves-per-profile].
 * Goals (docs/ca.md): modern ≤ 1 ms cached, ≤ 3 ms new; kz-2019 ≤ 3 ms new with a warm pool.
 */
import { X509Certificate } from 'node:crypto';
import { createAuthority, createForger, issueServerCertificate, PROFILE_NAMES } from '../lab/ca/index.ts';

const leaves = Number(process.argv[2] ?? 64);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function timed(run: () => Promise<unknown>, n: number): Promise<{ perSecond: number; p50: number; p95: number }> {
  const samples: number[] = [];
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await run.call(null);
    samples.push(performance.now() - t);
  }
  const total = performance.now() - start;
  samples.sort((a, b) => a - b);
  return { perSecond: (n / total) * 1000, p50: percentile(samples, 50), p95: percentile(samples, 95) };
}

const authority = await createAuthority('qaznet-2019');
const publicCa = await createAuthority('lab-public');
const origin = await issueServerCertificate(publicCa, { names: ['www.facebook.com', 'facebook.com'], keyType: 'rsa2048' });
const upstreamDer = Buffer.from(new X509Certificate(origin.certPem).raw);

const rows: Array<Record<string, string | number>> = [];
for (const profile of PROFILE_NAMES) {
  const forger = await createForger(authority, profile, { poolSize: leaves + 8 });
  await forger.warm();
  // one throwaway leaf so JIT warm-up is not billed to the first sample
  await forger.forge({ sni: 'warmup.invalid', upstreamDer });
  let i = 0;
  const fresh = await timed(() => forger.forge({ sni: `host${i++}.example`, upstreamDer }), leaves);
  i = 0;
  const cached = await timed(() => forger.forge({ sni: `host${i++}.example`, upstreamDer }), leaves);
  for (const [mode, r] of [['new', fresh], ['cached', cached]] as const) {
    rows.push({ profile, mode, leaves, 'leaves/s': Math.round(r.perSecond), 'p50 ms': r.p50.toFixed(3), 'p95 ms': r.p95.toFixed(3) });
  }
}
console.log(`issuing CA: ${new X509Certificate(authority.intermediates[0]!.certPem).subject.replace(/\n/g, ', ')} (RSA-2048); Node ${process.version}`);
console.table(rows);
