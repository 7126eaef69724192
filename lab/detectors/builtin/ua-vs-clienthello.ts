/**
 * ua-vs-clienthello (Durumeric et al., NDSS '17; Cloudflare MITMEngine): the origin compares the
 * TLS stack that sent the ClientHello with the client the User-Agent names. An interceptor that
 * re-originates TLS speaks with its own stack, and often a weaker one, which the grade shows.
 * Blind spot by design: an interceptor built on the client's own stack (a Node engine relaying a
 * Node client) or one that mirrors the ClientHello looks identical.
 */
import type { Evidence } from '../evidence.ts';
import { gradeClientHello, isWorse } from '../clienthello/grade.ts';
import { CLIENT_REFERENCES, ja4Stack, type ClientReference } from '../clienthello/reference.ts';
import { clientClaimedBy } from '../clienthello/user-agent.ts';
import { clear, flag, skip, type Detector, type Finding } from '../types.ts';

export interface UaVsClientHelloOptions {
  references?: readonly ClientReference[];
  /**
   * With no User-Agent (openssl s_client sends none), take the cell's client name as the claim.
   * A real server could not; in the lab it keeps such cells scoreable. Default true.
   */
  claimFromLabClient?: boolean;
}

export function uaVsClientHelloDetector(options: UaVsClientHelloOptions = {}): Detector {
  const references = options.references ?? CLIENT_REFERENCES;
  return {
    name: 'ua-vs-clienthello',
    description: "the ClientHello at the origin does not fit the client the User-Agent names (MITMEngine); A/B/C/F grade",
    inspect: (evidence) => inspectHello(evidence, references, options.claimFromLabClient ?? true),
  };
}

function inspectHello(evidence: Evidence, references: readonly ClientReference[], claimFromLabClient: boolean): Finding {
  const hello = evidence.origin.clientHello;
  if (!hello) return skip('the origin recorded no ClientHello for this cell');
  const userAgent = evidence.origin.userAgent;
  let claim = userAgent ? clientClaimedBy(userAgent) : undefined;
  let claimSource = `User-Agent "${userAgent}"`;
  if (!userAgent && claimFromLabClient) {
    claim = evidence.client;
    claimSource = `no User-Agent; the lab's client name "${evidence.client}"`;
  }
  if (!claim) return skip(userAgent ? `User-Agent "${userAgent}" names no client the lab knows` : 'no User-Agent at the origin');
  const reference = references.find((entry) => entry.client === claim);
  if (!reference) return skip(`no reference fingerprint for "${claim}" (${claimSource})`);

  const stack = ja4Stack(hello.ja4);
  const graded = gradeClientHello(hello);
  const gradeText = `grade ${graded.grade} (version ${hello.tlsVersion}: ${graded.version}; suites: ${graded.cipher.grade} by ${graded.cipher.decidedBy})`;
  const fits = reference.stacks.some((known) => known.ja4Stack === stack);
  const downgraded = isWorse(graded.grade, reference.grade);
  if (!fits) {
    const lookalike = references.find((entry) => entry.stacks.some((known) => known.ja4Stack === stack));
    const whose = lookalike ? `, which is ${lookalike.client}'s stack` : '';
    return flag(downgraded ? 0.95 : 0.85, `${claimSource} claims ${claim} but the origin saw JA4 ${hello.ja4}${whose}; ${gradeText}`);
  }
  if (downgraded) {
    return flag(0.7, `JA4 fits ${claim} but the offer is weaker than ${claim}'s own (${reference.grade}); ${gradeText}`);
  }
  return clear(0.8, `JA4 ${hello.ja4} fits ${claim} (${claimSource}); ${gradeText}`);
}
