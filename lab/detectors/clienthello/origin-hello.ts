/**
 * Turns what read-tls-client-hello parsed at the origin into Evidence's `origin.clientHello`.
 * The harness's origin server calls this, so detectors and the harness agree on the version
 * naming and on what "offered" means.
 */
import { getExtensionData, type TlsClientHelloMessage } from 'read-tls-client-hello';
import type { OriginClientHello, TlsVersionName } from '../evidence.ts';

const VERSION_NAMES: Record<number, TlsVersionName> = {
  0x0304: 'TLSv1.3',
  0x0303: 'TLSv1.2',
  0x0302: 'TLSv1.1',
  0x0301: 'TLSv1',
  0x0300: 'SSLv3',
  0x0002: 'SSLv2',
};

const isGrease = (value: number) => (value & 0x0f0f) === 0x0a0a;

/** Highest version offered: supported_versions wins over the legacy field, as TLS 1.3 servers read it. */
export function offeredVersion(hello: TlsClientHelloMessage): TlsVersionName {
  const supported = getExtensionData(hello, 43) as { versions?: number[] } | null | undefined;
  const versions = supported?.versions?.filter((v) => !isGrease(v)) ?? [];
  const highest = versions.length > 0 ? Math.max(...versions) : hello.version;
  return VERSION_NAMES[highest] ?? 'unknown';
}

export function toOriginClientHello(hello: TlsClientHelloMessage & { ja3: string; ja4: string }): OriginClientHello {
  return {
    ja3: hello.ja3,
    ja4: hello.ja4,
    tlsVersion: offeredVersion(hello),
    ciphers: [...hello.cipherSuites],
    extensions: hello.extensions.map((extension) => extension.id),
  };
}
