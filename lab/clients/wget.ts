/**
 * GNU wget (Debian builds it on GnuTLS): trust from --ca-certificate with an empty
 * --ca-directory (without one, wget loads the system trust), --no-config so no wgetrc applies.
 * Connect routes: wget has no connect-to/resolve option, so it reaches the lab through an
 * explicit proxy (-e https_proxy=..., -e use_proxy=on); direct only inside a lab whose DNS
 * already resolves each site to its route (netns). No pinning: pins are ignored.
 * Verdict = wget's exit code (5 = SSL verification failure), with its ERROR lines as detail.
 */
import { join } from 'node:path';
import { ChildTracker, probeBinary, runClient, tail } from './process.ts';
import { directByNameProblem, proxyUrl, routesThrough } from './route.ts';
import { cachedProbe, makeSession, skippedSession, type BinaryOptions } from './session.ts';
import { emptyCaDirectory, writeAnchorBundle } from './trust.ts';
import type { ClientShim, Observation, Route } from './types.ts';

const ROUTES: Route['kind'][] = ['connect'];

export function wgetObservation(exitCode: number | null, stderr: string): Omit<Observation, 'durationMs'> {
  // -S prints the response head indented; the last one is the final answer (after redirects).
  const statuses = [...stderr.matchAll(/^\s+HTTP\/\d(?:\.\d)? (\d{3})/gm)].map((match) => Number(match[1]));
  const status = statuses[statuses.length - 1];
  if (exitCode === 0 && status !== undefined) return { outcome: 'loaded', status };
  const errors = stderr.split('\n').filter((line) => line.startsWith('ERROR'));
  return { outcome: 'refused', error: `exit-${exitCode ?? 'killed'}`, detail: errors.join('\n') || tail(stderr) };
}

export function createWgetShim(options: BinaryOptions = {}): ClientShim {
  const binary = options.binary ?? 'wget';
  const probe = cachedProbe(() => probeBinary(binary, ['--version'], (out) => /GNU Wget (\S+)/.exec(out)?.[1], 'apt-get install wget'));
  return {
    name: 'wget',
    kind: 'cli',
    routes: ROUTES,
    directByName: true,
    pins: false,
    launcherSupport: true,
    probe,
    async prepare(state, workDir, options) {
      const launcher = options?.launcher;
      const availability = await probe();
      if (!availability.available) return skippedSession(availability.reason ?? 'wget unavailable');
      const bundle = writeAnchorBundle(state, workDir);
      const caDirectory = emptyCaDirectory(workDir);
      const bodyPath = join(workDir, 'wget-body');
      const tracker = new ChildTracker();
      return makeSession({
        client: 'wget',
        routes: routesThrough(ROUTES, launcher),
        state,
        launcher,
        async visit(target) {
          const unreachable = directByNameProblem(target);
          if (unreachable) return { outcome: 'skipped', detail: `wget: ${unreachable}` };
          const proxy = target.route.kind === 'connect'
            ? ['-e', 'use_proxy=on', '-e', `https_proxy=${proxyUrl(target.route)}`, '-e', 'no_proxy=']
            : ['--no-proxy'];
          const args = [
            '--no-config', '--server-response', '--tries=1', '--max-redirect=0',
            `--timeout=${Math.max(1, Math.ceil(target.timeoutMs / 1000))}`,
            `--ca-certificate=${bundle}`, `--ca-directory=${caDirectory}`,
            ...proxy,
            '--output-document', bodyPath,
            target.url,
          ];
          const run = await runClient(binary, args, { timeoutMs: target.timeoutMs + 2_000, launcher }, tracker);
          if (run.spawnError) return { outcome: 'skipped', detail: `wget could not start: ${run.spawnError}` };
          if (run.timedOut) return { outcome: 'refused', error: 'timeout', detail: tail(run.stderr) };
          return wgetObservation(run.exitCode, run.stderr);
        },
        close: async () => tracker.killAll(),
      });
    },
  };
}
