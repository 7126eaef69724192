/**
 * Java 17's java.net.http.HttpClient. Trust = a per-session PKCS12 truststore made with keytool
 * and passed as -Djavax.net.ssl.trustStore (replacing cacerts). Only `connect` routes: the JDK
 * has no per-client resolver or port override, so the harness hands Java the CONNECT door, applied
 * with ProxySelector. One JVM per session answers many visits (lab/clients/java/Visit.java).
 * Verdict = exception class and root cause, e.g. SSLHandshakeException:SunCertPathBuilderException.
 */
import { createHash, type X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { certificatesFromPemFiles } from './chain.ts';
import { compiledVisitClass, VisitJvm } from './java-jvm.ts';
import { LineTimeoutError } from './line-child.ts';
import { probeBinary, runClient, tail } from './process.ts';
import { createLabTempDir, removeRegisteredDir } from '../runtime/registry/run.ts';
import { directByNameProblem, routesThrough } from './route.ts';
import { cachedProbe, makeSession, skippedSession } from './session.ts';
import { observationOfVerdict, type ScriptVerdict } from './script-verdict.ts';
import type { Availability, ClientShim, Observation, Route, TrustState, VisitTarget } from './types.ts';

const ROUTES: Route['kind'][] = ['connect'];
const TRUSTSTORE_PASSWORD = 'tlslab-truststore';
/** Startup matters more than peak speed for a handful of requests. */
const JVM_FLAGS = ['-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Xshare:auto', '-Djava.net.useSystemProxies=false'];
const JVM_START_TIMEOUT_MS = 30_000;

export interface JavaOptions {
  java?: string;
  javac?: string;
  keytool?: string;
}

async function buildTruststore(anchors: X509Certificate[], storePath: string, keytool: string): Promise<void> {
  const dir = dirname(storePath);
  mkdirSync(dir, { recursive: true });
  const keytoolRun = async (args: string[], what: string): Promise<void> => {
    const run = await runClient(keytool, [...args, '-keystore', storePath, '-storetype', 'PKCS12', '-storepass', TRUSTSTORE_PASSWORD],
      { timeoutMs: 60_000 });
    if (run.exitCode !== 0) throw new Error(`keytool could not ${what}: ${run.spawnError ?? tail(run.stdout + run.stderr)}`);
  };
  // keytool adds one certificate per call, into the same file: one after another.
  for (const [index, anchor] of anchors.entries()) {
    const pemPath = join(dir, `anchor-${index}.pem`);
    writeFileSync(pemPath, anchor.toString());
    await keytoolRun(['-importcert', '-noprompt', '-alias', `anchor-${index}`, '-file', pemPath], `import ${pemPath}`);
  }
  if (anchors.length === 0) {
    // JSSE falls back to the JDK's cacerts when the trustStore file is missing: trusting nothing
    // needs an existing, empty store.
    await keytoolRun(['-genkeypair', '-alias', 'placeholder', '-keyalg', 'EC', '-dname', 'CN=placeholder'], 'create a store');
    await keytoolRun(['-delete', '-alias', 'placeholder'], 'empty the store');
  }
}

/**
 * The session's truststore, always a file inside workDir. Each keytool call is a JVM start, and
 * a run prepares the same anchor set many times, so a store built once is kept in memory by
 * anchor fingerprints (the lab's CAs are fresh per process, so a disk cache would only grow).
 */
const truststores = new Map<string, Promise<Buffer>>();

async function makeTruststore(state: TrustState, workDir: string, keytool: string): Promise<string> {
  const anchors = certificatesFromPemFiles(state.anchors);
  const key = createHash('sha256').update(keytool).update(anchors.map((anchor) => anchor.fingerprint256).join(',')).digest('hex');
  let pending = truststores.get(key);
  if (!pending) {
    pending = buildTruststoreBytes(anchors, keytool);
    truststores.set(key, pending);
    pending.catch(() => truststores.delete(key));
  }
  const storePath = join(workDir, 'java-trust', 'truststore.p12');
  mkdirSync(dirname(storePath), { recursive: true });
  writeFileSync(storePath, await pending);
  return storePath;
}

async function buildTruststoreBytes(anchors: X509Certificate[], keytool: string): Promise<Buffer> {
  const staging = createLabTempDir('tlslab-java-truststore-', 'java truststore staging');
  try {
    await buildTruststore(anchors, join(staging, 'truststore.p12'), keytool);
    return readFileSync(join(staging, 'truststore.p12'));
  } finally {
    removeRegisteredDir(staging);
  }
}

async function probeJava(options: Required<JavaOptions>): Promise<Availability> {
  const hint = 'apt-get install openjdk-17-jdk-headless';
  // Three JVM starts: in parallel, they cost one.
  const [java, javac, keytool] = await Promise.all([
    probeBinary(options.java, ['-version'], (out) => /version "([^"]+)"/.exec(out)?.[1], hint),
    probeBinary(options.javac, ['-version'], (out) => /javac (\S+)/.exec(out)?.[1], hint),
    probeBinary(options.keytool, ['-help'], (out) => (/keytool/i.test(out) ? 'present' : undefined), hint),
  ]);
  for (const tool of [java, javac, keytool]) if (!tool.available) return tool;
  return { available: true, version: `java ${java.version}` };
}

function visitLine(target: VisitTarget): string {
  // no proxy fields: a direct route by name (the JVM resolves the URL's host itself)
  const proxy = target.route.kind === 'connect' ? [target.route.host, String(target.route.port)] : ['', '0'];
  const fields = [target.url, target.site, ...proxy, String(target.timeoutMs)];
  if (fields.some((field) => /[\t\n]/.test(field))) throw new Error('visit fields may not contain tabs or newlines');
  return fields.join('\t');
}

export function createJavaShim(options: JavaOptions = {}): ClientShim {
  const tools: Required<JavaOptions> = {
    java: options.java ?? 'java',
    javac: options.javac ?? 'javac',
    keytool: options.keytool ?? 'keytool',
  };
  const probe = cachedProbe(() => probeJava(tools));
  return {
    name: 'java',
    kind: 'library',
    routes: ROUTES,
    directByName: true,
    pins: true,
    launcherSupport: true,
    probe,
    async prepare(state, workDir, options) {
      const availability = await probe();
      if (!availability.available) return skippedSession(availability.reason ?? 'java unavailable');
      const [classDir, truststore] = await Promise.all([compiledVisitClass(tools.javac), makeTruststore(state, workDir, tools.keytool)]);
      const jvmArgs = [
        ...JVM_FLAGS,
        `-Djavax.net.ssl.trustStore=${truststore}`,
        '-Djavax.net.ssl.trustStoreType=PKCS12',
        `-Djavax.net.ssl.trustStorePassword=${TRUSTSTORE_PASSWORD}`,
      ];
      const pinsArgument = (state.pins ?? []).join(',');
      let jvm: VisitJvm | undefined;

      // Started lazily and again after a timeout killed it; the ready line proves it came up.
      const readyJvm = async (): Promise<VisitJvm> => {
        if (jvm?.alive) return jvm;
        const fresh = new VisitJvm(tools.java, jvmArgs, classDir, [pinsArgument], options?.launcher);
        jvm = fresh;
        const ready = await fresh.nextLine(JVM_START_TIMEOUT_MS);
        if (!ready?.includes('"ready":true')) throw new Error(`the JVM did not start: ${fresh.diagnostics}`);
        return fresh;
      };

      return makeSession({
        client: 'java',
        routes: routesThrough(ROUTES, options?.launcher),
        state,
        ...(options?.launcher && { launcher: options.launcher }),
        async visit(target, context): Promise<Omit<Observation, 'durationMs'>> {
          const unreachable = directByNameProblem(target);
          if (unreachable) return { outcome: 'skipped', detail: `java: ${unreachable}` };
          const process = await readyJvm();
          process.send(visitLine(target));
          let line: string | undefined;
          try {
            line = await process.nextLine(target.timeoutMs + 2_000);
          } catch (error) {
            if (error instanceof LineTimeoutError) return { outcome: 'refused', error: 'timeout', detail: error.message };
            throw error;
          }
          if (line === undefined) return { outcome: 'refused', error: 'jvm-exited', detail: process.diagnostics };
          const result = JSON.parse(line) as ScriptVerdict;
          return observationOfVerdict(result, context.anchors);
        },
        close: async () => {
          await jvm?.stop();
        },
      });
    },
  };
}
