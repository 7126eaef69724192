/**
 * gnutls-cli: trust from --x509cafile (given a CA file it loads no system trust), SNI and name
 * check from --sni-hostname/--verify-hostname, the chain from --print-cert (printed even when it
 * refuses). Direct routes only: gnutls-cli has no proxy support. No pinning: pins are ignored.
 * Verdict = the verification status as GnuTLS flag names (GNUTLS_CERT_SIGNER_NOT_FOUND, ...).
 */
import type { X509Certificate } from 'node:crypto';
import { certificatesFromPem, chainSeen } from './chain.ts';
import { firstHttpStatus, httpGet } from './openssl.ts';
import { probeBinary, tail } from './process.ts';
import { cachedProbe, type BinaryOptions } from './session.ts';
import { prepareCliSession } from './cli-session.ts';
import type { ClientShim, Observation, Route } from './types.ts';

const ROUTES: Route['kind'][] = ['direct'];

/** gnutls_certificate_verification_status_print sentences → gnutls_certificate_status_t names. */
const STATUS_FLAGS: [RegExp, string][] = [
  [/issuer is unknown/, 'SIGNER_NOT_FOUND'],
  [/issuer is not a CA/, 'SIGNER_NOT_CA'],
  [/name in the certificate does not match/, 'UNEXPECTED_OWNER'],
  [/uses expired certificate/, 'EXPIRED'],
  [/not yet valid|not yet activated/, 'NOT_ACTIVATED'],
  [/revoked/, 'REVOKED'],
  [/insecure algorithm/, 'INSECURE_ALGORITHM'],
  [/signature (is )?invalid|signature verification failed/, 'SIGNATURE_FAILURE'],
  [/signer's constraints/, 'SIGNER_CONSTRAINTS_FAILURE'],
  [/purpose/, 'PURPOSE_MISMATCH'],
];

export function gnutlsStatusError(statusLine: string): string {
  const flags = STATUS_FLAGS.filter(([pattern]) => pattern.test(statusLine)).map(([, flag]) => `GNUTLS_CERT_${flag}`);
  return flags.length > 0 ? flags.join('+') : 'GNUTLS_CERT_INVALID';
}

export function gnutlsObservation(
  exitCode: number | null,
  stdout: string,
  stderr: string,
  anchors: X509Certificate[],
): Omit<Observation, 'durationMs'> {
  const handshakeEnd = stdout.indexOf('- Simple Client Mode');
  const report = handshakeEnd >= 0 ? stdout.slice(0, handshakeEnd) : stdout;
  const chain = chainSeen(certificatesFromPem(report), anchors);
  const base = chain ? { chain, chainSource: 'client' as const } : {};
  const statusLine = /^- Status: (.*)$/m.exec(report)?.[1]?.trim();
  const trusted = statusLine?.startsWith('The certificate is trusted');
  const status = handshakeEnd >= 0 ? firstHttpStatus(stdout.slice(handshakeEnd)) : undefined;
  if (trusted && status !== undefined) return { outcome: 'loaded', status, ...base };
  const fatal = `${stdout}\n${stderr}`.split('\n').filter((line) => line.startsWith('***') || /Could not connect/.test(line));
  const error = statusLine && !trusted ? gnutlsStatusError(statusLine) : `exit-${exitCode ?? 'killed'}`;
  return { outcome: 'refused', error, detail: [statusLine, ...fatal].filter(Boolean).join('\n') || tail(stderr), ...base };
}

export function createGnutlsShim(options: BinaryOptions = {}): ClientShim {
  const binary = options.binary ?? 'gnutls-cli';
  const probe = cachedProbe(() => probeBinary(binary, ['--version'], (out) => /gnutls-cli (\S+)/.exec(out)?.[1], 'apt-get install gnutls-bin'));
  return {
    name: 'gnutls',
    kind: 'cli',
    routes: ROUTES,
    pins: false,
    launcherSupport: true,
    probe,
    async prepare(state, workDir, options) {
      const spec = { client: 'gnutls', label: 'gnutls-cli', binary, routes: ROUTES, state, workDir, launcher: options?.launcher, probe };
      return prepareCliSession(spec, async (target, context, { bundle, run: runGnutls }) => {
          const args = [
            '--x509cafile', bundle,
            '--sni-hostname', target.site, '--verify-hostname', target.site,
            '--print-cert',
            '--port', String(target.route.port), target.route.host,
          ];
          // gnutls-cli quits at end of input before the reply arrives: stdin stays open until the
          // server closes (the request says Connection: close).
          const run = await runGnutls(args, { timeoutMs: target.timeoutMs, input: httpGet(target), keepStdinOpen: true, timeoutDetail: 'stdout' });
          if ('unanswered' in run) return run.unanswered;
          return gnutlsObservation(run.exitCode, run.stdout, run.stderr, context.anchors);
      });
    },
  };
}
