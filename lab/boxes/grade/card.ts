/**
 * A box's report card from what was measured (measure.ts): one letter, the way Durumeric et al.
 * (NDSS 2017) graded middleboxes by hand and MITMEngine grades hellos — A optimal, B suboptimal,
 * C a known weakness, F trivially broken — with the reason for every point lost. Pure, so the
 * grading rules are testable on their own.
 */
import { X509Certificate } from 'node:crypto';
import { EXTENSION_LABEL, parseCertificate } from '../../detectors/certificates.ts';
import { gradeClientHello, worstGrade, type Grade } from '../../detectors/clienthello/grade.ts';
import { BROKEN_ORIGINS, type BoxMeasurements, type BrokenOrigin } from './measure.ts';

export type UpstreamVerdict = 'refuses' | 'launders' | 'passes-through';

export interface ReportCard {
  box: string;
  grade: Grade;
  /** every point lost, with its grade */
  reasons: Array<{ grade: Grade; reason: string }>;
  upstreamValidation: Record<BrokenOrigin, { verdict: UpstreamVerdict; detail: string }>;
  upstreamTls: {
    grade: Grade;
    offered?: string;
    /** the suite that decided the cipher grade */
    decidedBy?: string;
    /** the box's hello toward origins is the client's own (same JA4 cipher and extension parts) */
    mirrorsClient?: boolean;
    versionUsed?: string;
    alpnUsed?: string;
  };
  clientLeg: { version?: string; alpn?: string };
  leaves: {
    keyReusedAcrossHosts: boolean;
    leafKeyIsCaKey: boolean;
    lifetimeDays?: number;
    /** extensions of the origin's leaf the forged one does not carry */
    dropped: string[];
    /** notBefore of the forged leaf minus the origin's, hours */
    validityShiftHours?: number;
  };
  cost: { firstContactMs: number; directMs: number; ratio: number };
  limitations: string[];
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.floor(sorted.length / 2)]!;
}

const article = (word: string) => (/^[aeiou]/.test(word) ? 'an' : 'a');

const fingerprint = (pem: string | undefined) => (pem ? new X509Certificate(pem).fingerprint256 : undefined);

function upstreamVerdict(probe: BoxMeasurements['broken'][BrokenOrigin]['probe'], originLeafPem: string): { verdict: UpstreamVerdict; detail: string } {
  const leaf = probe.chainPem[0];
  if (leaf && fingerprint(leaf) === fingerprint(originLeafPem)) return { verdict: 'passes-through', detail: 'the client got the origin\'s own broken chain' };
  if (leaf && probe.status !== undefined && probe.status < 500) {
    return { verdict: 'launders', detail: `the client got a forged chain (leaf issued by ${parseCertificate(leaf).issuer}) and HTTP ${probe.status}` };
  }
  return { verdict: 'refuses', detail: probe.status !== undefined ? `HTTP ${probe.status}` : probe.error ?? 'no answer' };
}

const ORIGIN_LEAF_EXTENSIONS = Object.keys(EXTENSION_LABEL);

export function reportCard(box: string, m: BoxMeasurements): ReportCard {
  const reasons: ReportCard['reasons'] = [];
  const lose = (grade: Grade, reason: string) => reasons.push({ grade, reason });

  const upstreamValidation = {} as ReportCard['upstreamValidation'];
  for (const kind of BROKEN_ORIGINS) {
    const v = upstreamVerdict(m.broken[kind].probe, m.broken[kind].originLeafPem);
    upstreamValidation[kind] = v;
    if (kind === 'revoked') {
      v.detail += m.revocationRequests.length === 0 ? '; it never asked the CRL or OCSP address' : `; it asked ${m.revocationRequests.join(', ')}`;
      // browsers do not fetch revocation online either (CRLSets, OneCRL/CRLite): a weakness, not a break
      if (v.verdict === 'launders') lose('B', `launders a revoked origin (${m.revocationRequests.length} requests to its CRL and OCSP addresses): the client can no longer check revocation either`);
    } else if (v.verdict === 'launders') lose('F', `launders ${article(kind)} ${kind} origin: a client that trusts its CA is shown a valid-looking chain for a broken server`);
    if (v.verdict === 'passes-through') lose('B', `passes ${article(kind)} ${kind} origin through: its clients judge the origin themselves, but the box no longer intercepts it`);
  }

  // the box's own hello toward the sound origins
  const visit = m.originVisits.find((v) => v.clientHello && v.sni && !v.sni.startsWith('fresh') && !BROKEN_ORIGINS.some((k) => v.sni === `${k}.card.example`));
  const upstreamTls: ReportCard['upstreamTls'] = { grade: 'F' };
  if (visit?.clientHello) {
    const graded = gradeClientHello(visit.clientHello);
    Object.assign(upstreamTls, { grade: graded.grade, offered: visit.clientHello.tlsVersion, ...(graded.cipher.decidedBy && { decidedBy: graded.cipher.decidedBy }) });
    if (visit.tlsVersion) upstreamTls.versionUsed = visit.tlsVersion;
    if (visit.alpn) upstreamTls.alpnUsed = visit.alpn;
    if (m.clientJa4) upstreamTls.mirrorsClient = m.clientJa4.split('_').slice(1).join('_') === visit.clientHello.ja4.split('_').slice(1).join('_');
    if (graded.grade !== 'A') lose(graded.grade, `its hello toward origins grades ${graded.grade} (${graded.cipher.decidedBy ?? visit.clientHello.tlsVersion})`);
    if (visit.clientHello.tlsVersion !== 'TLSv1.3') lose('B', `it offers origins ${visit.clientHello.tlsVersion} at most, no TLS 1.3`);
  } else {
    lose('F', 'no ClientHello of it reached a sound origin: it does not intercept them');
  }

  const sound = m.sound.filter((s) => s.probe.chainPem.length > 0);
  const clientLeg = { ...(sound[0]?.probe.version && { version: sound[0].probe.version }), ...(sound[0]?.probe.alpn && { alpn: sound[0].probe.alpn }) };
  if (clientLeg.version && clientLeg.version !== 'TLSv1.3') lose('B', `it speaks ${clientLeg.version} to clients that offer TLS 1.3`);

  const leaves = sound.map((s) => parseCertificate(s.probe.chainPem[0]!));
  const origins = sound.map((s) => parseCertificate(s.originLeafPem));
  const issuing = sound[0]?.probe.chainPem[1] ? parseCertificate(sound[0].probe.chainPem[1]) : undefined;
  const keyReusedAcrossHosts = leaves.length > 1 && new Set(leaves.map((l) => l.spkiSha256)).size === 1;
  const caSpkis = new Set([m.rogue.root, ...m.rogue.intermediates].map((c) => parseCertificate(c.certPem).spkiSha256));
  const leafKeyIsCaKey = leaves.some((l) => caSpkis.has(l.spkiSha256) || l.spkiSha256 === issuing?.spkiSha256);
  if (keyReusedAcrossHosts) lose('B', 'one leaf key for every host: whoever holds it impersonates them all');
  if (leafKeyIsCaKey) lose('C', 'the leaf key is the CA key: a leaf\'s key signs for any name');
  const dropped = leaves[0] && origins[0] ? ORIGIN_LEAF_EXTENSIONS.filter((oid) => origins[0]!.extensionOids.has(oid) && !leaves[0]!.extensionOids.has(oid)).map((oid) => EXTENSION_LABEL[oid]!) : [];
  const leavesCard: ReportCard['leaves'] = {
    keyReusedAcrossHosts,
    leafKeyIsCaKey,
    dropped,
    ...(leaves[0] && { lifetimeDays: Math.round((leaves[0].notAfter.getTime() - leaves[0].notBefore.getTime()) / 86_400_000) }),
    ...(leaves[0] && origins[0] && { validityShiftHours: Math.round((leaves[0].notBefore.getTime() - origins[0].notBefore.getTime()) / 3_600_000) }),
  };

  const firstContactMs = median(m.firstContactMs.box);
  const directMs = median(m.firstContactMs.direct);
  const cost = { firstContactMs, directMs, ratio: directMs > 0 ? Math.round((firstContactMs / directMs) * 100) / 100 : 0 };
  return {
    box,
    grade: worstGrade(...reasons.map((r) => r.grade)),
    reasons,
    upstreamValidation,
    upstreamTls,
    clientLeg,
    leaves: leavesCard,
    cost,
    limitations: [...m.limitations],
  };
}
