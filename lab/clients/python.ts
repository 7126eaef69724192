/**
 * Python 3 (ssl + urllib) through lab/clients/python/visit.py, one interpreter per visit, run
 * with -I so PYTHON* variables and user site-packages cannot change it. Verdict = the exception
 * class, with the OpenSSL verify code for certificate errors (SSLCertVerificationError:20).
 */
import { fileURLToPath } from 'node:url';
import { probeBinary, tail } from './process.ts';
import { cachedProbe, type BinaryOptions } from './session.ts';
import { observationOfVerdict, type ScriptVerdict } from './script-verdict.ts';
import { prepareCliSession } from './cli-session.ts';
import type { ClientShim, Observation, Route } from './types.ts';

const ROUTES: Route['kind'][] = ['direct', 'connect'];
const VISIT_SCRIPT = fileURLToPath(new URL('./python/visit.py', import.meta.url));

export function createPythonShim(options: BinaryOptions = {}): ClientShim {
  const binary = options.binary ?? 'python3';
  // pyenv-style shims cost ~150 ms per start: visits run the interpreter the shim resolves to.
  let interpreter = binary;
  const probe = cachedProbe(() => probeBinary(binary,
    ['-I', '-c', 'import ssl,sys;print(sys.version.split()[0], ssl.OPENSSL_VERSION);print("executable=" + sys.executable)'],
    (out) => {
      interpreter = /^executable=(.+)$/m.exec(out)?.[1] || binary;
      return /^(3\.\d+\.\d+\S*) (.+)$/m.exec(out)?.slice(1).join(' ');
    }, 'apt-get install python3'));
  return {
    name: 'python',
    kind: 'library',
    routes: ROUTES,
    pins: true,
    launcherSupport: true,
    probe,
    async prepare(state, workDir, options) {
      const spec = { client: 'python', label: 'python3', binary: () => interpreter, routes: ROUTES, state, workDir, launcher: options?.launcher, probe };
      return prepareCliSession(spec, async (target, context, { bundle: cafile, run: runVisitScript }): Promise<Omit<Observation, 'durationMs'>> => {
          const input = JSON.stringify({
            url: target.url, site: target.site, route: target.route, cafile,
            pins: state.pins ?? [], timeout: target.timeoutMs / 1000,
          });
          const run = await runVisitScript(['-I', VISIT_SCRIPT, input], { timeoutMs: target.timeoutMs + 2_000 });
          if ('unanswered' in run) return run.unanswered;
          const line = run.stdout.trim().split('\n').pop() ?? '';
          let result: ScriptVerdict;
          try {
            result = JSON.parse(line) as ScriptVerdict;
          } catch {
            return { outcome: 'refused', error: `exit-${run.exitCode}`, detail: `visit.py gave no verdict: ${tail(run.stderr)}` };
          }
          return observationOfVerdict(result, context.anchors);
      });
    },
  };
}

/** Before 3.13 Python exposes only the leaf, so its pinning is leaf-only (see visit.py). */
export function pythonPinsLeafOnly(version: string | undefined): boolean {
  const match = /^3\.(\d+)/.exec(version ?? '');
  return !match || Number(match[1]) < 13;
}
