/**
 * curl: trust from --cacert (with an empty --capath so Debian's default CApath adds nothing),
 * pins via --pinnedpubkey (curl checks the leaf's key only), routes via --connect-to / --proxy.
 * Verdict = curl's exit code (60 untrusted, 90 pin mismatch, 35 handshake, ...).
 */
import type { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { certificatesFromPem, chainSeen } from './chain.ts';
import { probeBinary, tail } from './process.ts';
import { proxyUrl, urlPort } from './route.ts';
import { cachedProbe, type BinaryOptions } from './session.ts';
import { prepareCliSession } from './cli-session.ts';
import { emptyCaDirectory } from './trust.ts';
import type { ClientShim, Observation, Route, VisitTarget } from './types.ts';

const ROUTES: Route['kind'][] = ['direct', 'connect'];
/** Separates the status code from %{certs} in curl's --write-out. */
const STATUS_MARK = '\n@@tlslab-status:';

export function routeArguments(target: VisitTarget): string[] {
  const { route } = target;
  if (route.kind === 'connect') return ['--proxy', proxyUrl(route), '--noproxy', ''];
  return ['--connect-to', `${target.site}:${urlPort(target.url)}:${route.host}:${route.port}`, '--noproxy', '*'];
}

export function curlObservation(
  exitCode: number | null,
  stdout: string,
  stderr: string,
  anchors: X509Certificate[],
): Omit<Observation, 'durationMs'> {
  const markAt = stdout.lastIndexOf(STATUS_MARK);
  const certsText = markAt >= 0 ? stdout.slice(0, markAt) : stdout;
  const status = markAt >= 0 ? Number(stdout.slice(markAt + STATUS_MARK.length).trim()) : 0;
  const chain = chainSeen(certificatesFromPem(certsText), anchors);
  const base = chain ? { chain, chainSource: 'client' as const } : {};
  if (exitCode === 0 && status > 0) return { outcome: 'loaded', status, ...base };
    // curl's own "curl: (60) ..." lines; the rest of stderr is a fixed help paragraph.
  const ownLines = stderr.split('\n').filter((line) => line.startsWith('curl: ')).join('\n');
  return { outcome: 'refused', error: `exit-${exitCode ?? 'killed'}`, detail: ownLines || tail(stderr), ...base };
}

export function createCurlShim(options: BinaryOptions = {}): ClientShim {
  const binary = options.binary ?? 'curl';
  const probe = cachedProbe(() => probeBinary(binary, ['--version'], (out) => /^curl (\S+)/m.exec(out)?.[1], 'apt-get install curl'));
  return {
    name: 'curl',
    kind: 'cli',
    routes: ROUTES,
    pins: true,
    launcherSupport: true,
    probe,
    async prepare(state, workDir, options) {
      const capath = emptyCaDirectory(workDir);
      const pinArguments = state.pins?.length
        ? ['--pinnedpubkey', state.pins.map((pin) => `sha256//${pin}`).join(';')]
        : [];
      const bodyPath = join(workDir, 'curl-body');
      writeFileSync(bodyPath, '');
      const spec = { client: 'curl', label: 'curl', binary, routes: ROUTES, state, workDir, launcher: options?.launcher, probe };
      return prepareCliSession(spec, async (target, context, { bundle, run: runCurl }) => {
          const args = [
            '-q', // first: ignore ~/.curlrc
            '--silent', '--show-error',
            '--cacert', bundle, '--capath', capath,
            ...pinArguments,
            ...routeArguments(target),
            '--max-time', String(Math.max(1, Math.ceil(target.timeoutMs / 1000))),
            '--output', bodyPath,
            '--write-out', `%{certs}${STATUS_MARK}%{http_code}`,
            target.url,
          ];
          const run = await runCurl(args, { timeoutMs: target.timeoutMs + 2_000 });
          if ('unanswered' in run) return run.unanswered;
          return curlObservation(run.exitCode, run.stdout, run.stderr, context.anchors);
      });
    },
  };
}
