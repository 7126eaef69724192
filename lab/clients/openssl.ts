/**
 * openssl s_client as a client: -CAfile bundle only (-no-CApath -no-CAstore), and
 * -verify_return_error + -verify_hostname so a bad chain or name aborts the handshake (plain
 * s_client only reports and carries on). No pinning: pins are ignored, which loads.
 * Verdict = the verify code, as OpenSSL's X509_V_ERR_* name.
 */
import type { X509Certificate } from 'node:crypto';
import { certificatesFromPem, chainSeen } from './chain.ts';
import { verifyErrorName } from './openssl-verify-codes.ts';
import { probeBinary, tail } from './process.ts';
import { authority, urlPort } from './route.ts';
import { cachedProbe, type BinaryOptions } from './session.ts';
import { prepareCliSession } from './cli-session.ts';
import type { ClientShim, Observation, Route, VisitTarget } from './types.ts';

const ROUTES: Route['kind'][] = ['direct', 'connect'];

export function httpGet(target: VisitTarget): string {
  const url = new URL(target.url);
  return `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nConnection: close\r\n\r\n`;
}

export function firstHttpStatus(text: string): number | undefined {
  const match = /^HTTP\/\d(?:\.\d)? (\d{3})/m.exec(text);
  return match ? Number(match[1]) : undefined;
}

function routeArguments(target: VisitTarget): string[] {
  const { route } = target;
  if (route.kind === 'direct') return ['-connect', authority(route.host, route.port)];
  return ['-connect', authority(target.site, urlPort(target.url)), '-proxy', authority(route.host, route.port)];
}

const UNEXPECTED_EOF = /unexpected eof while reading/;

export function sClientObservation(
  exitCode: number | null,
  stdout: string,
  stderr: string,
  anchors: X509Certificate[],
): Omit<Observation, 'durationMs'> {
  // Only the handshake report: a response body could itself contain PEM text.
  const chainStart = stdout.indexOf('Certificate chain');
  const chainEnd = chainStart >= 0 ? stdout.indexOf('\n---\n', chainStart) : -1;
  const chainText = chainStart >= 0 ? stdout.slice(chainStart, chainEnd >= 0 ? chainEnd : undefined) : '';
  const chain = chainSeen(certificatesFromPem(chainText), anchors);
  const base = chain ? { chain, chainSource: 'client' as const } : {};
  const verify = /Verify return code: (\d+) \(([^)]*)\)/.exec(stdout);
  const verifyCode = verify ? Number(verify[1]) : undefined;
  const afterHandshake = verify ? stdout.slice(verify.index) : '';
  const status = firstHttpStatus(afterHandshake);
  if (exitCode === 0 && verifyCode === 0 && status !== undefined) return { outcome: 'loaded', status, ...base };
  // the page came and was verified; the box then closed TCP without close_notify, which OpenSSL 3
  // reports as an error (truncation guard). The client noticed nothing about the interception.
  if (exitCode === 1 && verifyCode === 0 && status !== undefined && UNEXPECTED_EOF.test(stderr)) {
    return { outcome: 'loaded', status, detail: 'the peer closed without close_notify (s_client: unexpected eof while reading, exit 1)', ...base };
  }
  const error = verifyCode ? verifyErrorName(verifyCode) : `exit-${exitCode ?? 'killed'}`;
  const detail = verify ? `verify ${verify[1]}: ${verify[2]}\n${tail(stderr, 3)}` : tail(stderr);
  return { outcome: 'refused', error, detail, ...base };
}

export function createOpensslShim(options: BinaryOptions = {}): ClientShim {
  const binary = options.binary ?? 'openssl';
  const probe = cachedProbe(() => probeBinary(binary, ['version'], (out) => /OpenSSL (\S+)/.exec(out)?.[1], 'apt-get install openssl'));
  return {
    name: 'openssl',
    kind: 'cli',
    routes: ROUTES,
    pins: false,
    launcherSupport: true,
    probe,
    async prepare(state, workDir, options) {
      const spec = { client: 'openssl', label: 'openssl', binary, routes: ROUTES, state, workDir, launcher: options?.launcher, probe };
      return prepareCliSession(spec, async (target, context, { bundle, run: runSClient }) => {
          const args = [
            's_client', ...routeArguments(target),
            '-servername', target.site,
            '-CAfile', bundle, '-no-CApath', '-no-CAstore',
            '-verify_return_error', '-verify_hostname', target.site,
            '-showcerts', '-ign_eof',
          ];
          const run = await runSClient(args, { timeoutMs: target.timeoutMs, input: httpGet(target), timeoutDetail: 'stdout' });
          if ('unanswered' in run) return run.unanswered;
          return sClientObservation(run.exitCode, run.stdout, run.stderr, context.anchors);
      });
    },
  };
}
