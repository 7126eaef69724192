/**
 * curl: trust from --cacert (with an empty --capath so Debian's default CApath adds nothing),
 * pins via --pinnedpubkey (curl checks the leaf's key only), routes via --connect-to / --proxy.
 * Verdict = curl's exit code (60 untrusted, 90 pin mismatch, 35 handshake, ...).
 */
import type { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { certificatesFromPem, chainSeen } from './chain.ts';
import { ChildTracker, probeBinary, runClient, tail } from './process.ts';
import { proxyUrl, urlPort } from './route.ts';
import { cachedProbe, makeSession, skippedSession, type BinaryOptions } from './session.ts';
import { emptyCaDirectory, writeAnchorBundle } from './trust.ts';
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
      const launcher = options?.launcher;
      const availability = await probe();
      if (!availability.available) return skippedSession(availability.reason ?? 'curl unavailable');
      const bundle = writeAnchorBundle(state, workDir);
      const capath = emptyCaDirectory(workDir);
      const pinArguments = state.pins?.length
        ? ['--pinnedpubkey', state.pins.map((pin) => `sha256//${pin}`).join(';')]
        : [];
      const bodyPath = join(workDir, 'curl-body');
      writeFileSync(bodyPath, '');
      const tracker = new ChildTracker();
      return makeSession({
        client: 'curl',
        routes: ROUTES,
        state,
        launcher,
        async visit(target, context) {
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
          const run = await runClient(binary, args, { timeoutMs: target.timeoutMs + 2_000, launcher }, tracker);
          if (run.spawnError) return { outcome: 'skipped', detail: `curl could not start: ${run.spawnError}` };
          if (run.timedOut) return { outcome: 'refused', error: 'timeout', detail: tail(run.stderr) };
          return curlObservation(run.exitCode, run.stdout, run.stderr, context.anchors);
        },
        close: async () => tracker.killAll(),
      });
    },
  };
}
