/**
 * The verdict for one site from the chain it served, by the lab's own detectors (the same code
 * that scores the grid): known-interception, chain-anchor, tells, cross-vantage and ttl-hop. The
 * rule that combines them is written for one person on one network, where a false alarm costs
 * trust in the tool: a chain outside the public store counts as interception only when it cannot
 * be an ordinary server mistake (a root that is not public, a key from the known list, a forging
 * tell, or a second path that saw another certificate).
 */
import { parseCertificate, splitPem } from '../detectors/certificates.ts';
import { buildEvidence, type Evidence } from '../detectors/index.ts';
import { chainAnchorDetector } from '../detectors/builtin/chain-anchor.ts';
import { crossVantageDetector } from '../detectors/builtin/cross-vantage.ts';
import { knownInterceptionDetector } from '../detectors/builtin/known-interception.ts';
import { tellsDetector } from '../detectors/builtin/tells.ts';
import { ttlHopDetector } from '../detectors/builtin/ttl-hop.ts';
import { isSkip, type Detector, type Finding, type RunContext } from '../detectors/types.ts';
import type { ChainSeen } from '../clients/types.ts';
import type { CheckOutcome, ChainSummary, KnownCampaign, ProbeSite, ProbeVerdict, InconclusiveWhy } from './types.ts';

const DETECTORS: readonly Detector[] = [knownInterceptionDetector(), chainAnchorDetector(), tellsDetector(), crossVantageDetector(), ttlHopDetector()];

export interface SiteInputs {
  site: ProbeSite;
  chain: ChainSeen;
  /** roots a vendor ships (PEM); Node's Mozilla roots are always counted too */
  publicAnchorsPem: readonly string[];
  /** the same site's chain over a second path, when the user gave one */
  secondPath?: { chainPem: string[] } | { skipped: string };
  /** the TTL sweep in the form the ttl-hop detector reads */
  ttl?: NonNullable<Evidence['probes']>['ttl'];
  /** the lab's keys standing in for the real campaign keys (lab only; empty for a real network) */
  keyStandIns?: Evidence['keyStandIns'];
  durationMs: number;
}

export function siteEvidence(inputs: SiteInputs): Evidence {
  const crossVantage = inputs.secondPath ?? { skipped: 'no second path given (--via)' };
  const originLeaf = 'chainPem' in crossVantage ? crossVantage.chainPem[0] : undefined;
  return buildEvidence({
    scenario: 'probe',
    state: 'live',
    client: 'probe',
    site: inputs.site.site,
    // the probe completes every handshake without verifying it: nothing was accepted or refused,
    // so detectors must not read "the client trusted this root" into it
    observation: { outcome: 'refused', error: 'not-verified', chain: inputs.chain, durationMs: inputs.durationMs },
    servedChainPem: inputs.chain.chainPem ?? [],
    ...(originLeaf !== undefined && { originCertPem: originLeaf }),
    publicAnchorsPem: inputs.publicAnchorsPem,
    probes: { crossVantage, ...(inputs.ttl && { ttl: inputs.ttl }) },
    ...(inputs.keyStandIns && { keyStandIns: inputs.keyStandIns }),
  });
}

export async function runChecks(evidence: Evidence, run: RunContext): Promise<CheckOutcome[]> {
  const out: CheckOutcome[] = [];
  for (const detector of DETECTORS) {
    const finding: Finding = await detector.inspect(evidence, run);
    out.push({ check: detector.name as CheckOutcome['check'], ...(isSkip(finding) ? { flagged: null, reason: finding.skipped } : { flagged: finding.flagged, reason: finding.reason }) });
  }
  return out;
}

export interface Judgement {
  verdict: ProbeVerdict;
  by?: string;
  campaign?: KnownCampaign;
  why?: InconclusiveWhy;
}

const flagged = (checks: readonly CheckOutcome[], name: CheckOutcome['check']) => checks.find((c) => c.check === name)?.flagged === true;

export function judge(evidence: Evidence, checks: readonly CheckOutcome[]): Judgement {
  const chain = summarise(evidence.chainPem ?? []);
  const by = knownLabel(checks) ?? chain?.topIssuer;
  const campaign = campaignOf(`${checks.find((c) => c.check === 'known-interception')?.reason ?? ''} ${chain?.topIssuer ?? ''}`);
  const intercepted = (): Judgement => ({ verdict: 'intercepted', ...(by && { by }), ...(campaign && { campaign }) });
  if (flagged(checks, 'known-interception') || flagged(checks, 'cross-vantage')) return intercepted();
  if (!flagged(checks, 'chain-anchor')) return { verdict: 'not-intercepted' };
  const certificates = splitPem(evidence.chainPem ?? []).map((pem) => parseCertificate(pem));
  const top = certificates[certificates.length - 1];
  // a root was sent and it is not public, or a forging tell: no honest server does either
  if (top?.selfIssued || flagged(checks, 'tells') || flagged(checks, 'ttl-hop')) return intercepted();
  return { verdict: 'inconclusive', why: 'incomplete-chain' };
}

/** "… known interception key: C=KZ, CN=Qaznet Trust Network (chromium/…)" → the subject */
function knownLabel(checks: readonly CheckOutcome[]): string | undefined {
  const known = checks.find((c) => c.check === 'known-interception');
  if (known?.flagged !== true) return undefined;
  const m = /known interception key[^:]*: (.+?) \(/.exec(known.reason);
  return m?.[1];
}

export function campaignOf(text: string): KnownCampaign | undefined {
  if (/Qaznet Trust Network/i.test(text)) return 'qaznet-2019';
  if (/Information Security Certification Authority CA/i.test(text)) return 'isca-2020';
  if (/Information Security Certification Authority/i.test(text)) return 'isca-2024';
  return undefined;
}

export function summarise(chainPem: readonly string[]): ChainSummary | undefined {
  const certificates = chainPem.map((pem) => parseCertificate(pem));
  const leaf = certificates[0];
  const top = certificates[certificates.length - 1];
  if (!leaf || !top) return undefined;
  return {
    leafSubject: leaf.subject,
    issuer: leaf.issuer,
    topIssuer: top.selfIssued ? top.subject : top.issuer,
    leafSpkiSha256: leaf.spkiSha256,
    chainPem: [...chainPem],
  };
}
