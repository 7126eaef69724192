/**
 * Java 17's java.net.http.HttpClient. Trust = a per-session PKCS12 truststore made with keytool
 * and passed as -Djavax.net.ssl.trustStore (replacing cacerts). Only `connect` routes: the JDK
 * has no per-client resolver or port override, so the harness hands Java the CONNECT door, applied
 * with ProxySelector. One JVM per session answers many visits (lab/clients/java/Visit.java).
 * Verdict = exception class and root cause, e.g. SSLHandshakeException:SunCertPathBuilderException.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { certificateFromDer, certificatesFromPemFiles, chainSeen } from './chain.ts';
import { compiledVisitClass, JvmTimeoutError, VisitJvm } from './java-jvm.ts';
import { probeBinary, runClient, tail } from './process.ts';
import { cachedProbe, makeSession, skippedSession } from './session.ts';
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

interface VisitResult {
  outcome: 'loaded' | 'refused';
  status?: number;
  error?: string;
  detail?: string;
  chain_der: string[];
}

async function makeTruststore(state: TrustState, workDir: string, keytool: string): Promise<string> {
  const dir = join(workDir, 'java-trust');
  mkdirSync(dir, { recursive: true });
  const storePath = join(dir, 'truststore.p12');
  const anchors = certificatesFromPemFiles(state.anchors);
  // keytool adds one certificate per call, into the same file: one after another.
  for (const [index, anchor] of anchors.entries()) {
    const pemPath = join(dir, `anchor-${index}.pem`);
    writeFileSync(pemPath, anchor.toString());
    const run = await runClient(keytool, [
      '-importcert', '-noprompt', '-alias', `anchor-${index}`, '-file', pemPath,
      '-keystore', storePath, '-storetype', 'PKCS12', '-storepass', TRUSTSTORE_PASSWORD,
    ], { timeoutMs: 60_000 });
    if (run.exitCode !== 0) throw new Error(`keytool could not import ${pemPath}: ${run.spawnError ?? tail(run.stdout + run.stderr)}`);
  }
  return storePath;
}

async function probeJava(options: Required<JavaOptions>): Promise<Availability> {
  const hint = 'apt-get install openjdk-17-jdk-headless';
  const java = await probeBinary(options.java, ['-version'], (out) => /version "([^"]+)"/.exec(out)?.[1], hint);
  if (!java.available) return java;
  const javac = await probeBinary(options.javac, ['-version'], (out) => /javac (\S+)/.exec(out)?.[1], hint);
  if (!javac.available) return javac;
  const keytool = await probeBinary(options.keytool, ['-help'], (out) => (/keytool/i.test(out) ? 'present' : undefined), hint);
  if (!keytool.available) return keytool;
  return { available: true, version: `java ${java.version}` };
}

function visitLine(target: VisitTarget): string {
  const fields = [target.url, target.site, target.route.host, String(target.route.port), String(target.timeoutMs)];
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
    pins: true,
    probe,
    async prepare(state, workDir) {
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
        const fresh = new VisitJvm(tools.java, jvmArgs, classDir, [pinsArgument]);
        jvm = fresh;
        const ready = await fresh.nextLine(JVM_START_TIMEOUT_MS);
        if (!ready?.includes('"ready":true')) throw new Error(`the JVM did not start: ${fresh.diagnostics}`);
        return fresh;
      };

      return makeSession({
        client: 'java',
        routes: ROUTES,
        state,
        async visit(target, context): Promise<Omit<Observation, 'durationMs'>> {
          const process = await readyJvm();
          process.send(visitLine(target));
          let line: string | undefined;
          try {
            line = await process.nextLine(target.timeoutMs + 2_000);
          } catch (error) {
            if (error instanceof JvmTimeoutError) return { outcome: 'refused', error: 'timeout', detail: error.message };
            throw error;
          }
          if (line === undefined) return { outcome: 'refused', error: 'jvm-exited', detail: process.diagnostics };
          const result = JSON.parse(line) as VisitResult;
          const chain = chainSeen(result.chain_der.map((der) => certificateFromDer(der)), context.anchors);
          return {
            outcome: result.outcome,
            ...(result.status !== undefined ? { status: result.status } : {}),
            ...(result.error ? { error: result.error } : {}),
            ...(result.detail ? { detail: result.detail } : {}),
            ...(chain ? { chain, chainSource: 'client' as const } : {}),
          };
        },
        close: async () => {
          await jvm?.stop();
        },
      });
    },
  };
}
