/**
 * GNU wget (Debian builds it on GnuTLS): trust from --ca-certificate with an empty
 * --ca-directory (without one, wget loads the system trust), --no-config so no wgetrc applies.
 * Connect routes: wget has no connect-to/resolve option, so it reaches the lab through an
 * explicit proxy (-e https_proxy=..., -e use_proxy=on); direct only inside a lab whose DNS
 * already resolves each site to its route (netns). No pinning: pins are ignored.
 * Verdict = wget's exit code (5 = SSL verification failure), with its ERROR lines as detail.
 */
import { join } from 'node:path';
import { probeBinary, tail } from './process.ts';
import { directByNameProblem, proxyUrl, routesThrough } from './route.ts';
import { cachedProbe, type BinaryOptions } from './session.ts';
import { prepareCliSession } from './cli-session.ts';
import { emptyCaDirectory } from './trust.ts';
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
      const caDirectory = emptyCaDirectory(workDir);
      const bodyPath = join(workDir, 'wget-body');
      const spec = { client: 'wget', label: 'wget', binary, routes: routesThrough(ROUTES, launcher), state, workDir, launcher, probe };
      return prepareCliSession(spec, async (target, _context, { bundle, run: runWget }) => {
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
          const run = await runWget(args, { timeoutMs: target.timeoutMs + 2_000 });
          if ('unanswered' in run) return run.unanswered;
          return wgetObservation(run.exitCode, run.stderr);
      });
    },
  };
}
