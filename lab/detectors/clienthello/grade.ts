/**
 * Security grade of an offered ClientHello, after Durumeric et al. (NDSS '17) as Cloudflare's
 * MITMEngine codified it (docs/campaigns.md §7.1): A optimal, B suboptimal, C known attack,
 * F trivially broken; the overall grade is the worst of version and cipher grades.
 * One deliberate extension: TLS 1.3 suites and ECDHE+ChaCha20 grade A like ECDHE+AES-GCM,
 * since the 2017 list predates them and every client measured here offers a TLS 1.3 suite first.
 */
import { CIPHER_SUITES } from 'read-tls-client-hello';
import type { TlsVersionName } from '../evidence.ts';

export type Grade = 'A' | 'B' | 'C' | 'F';
const ORDER: Grade[] = ['A', 'B', 'C', 'F'];

export function worstGrade(...grades: Grade[]): Grade {
  return grades.reduce((worst, grade) => (ORDER.indexOf(grade) > ORDER.indexOf(worst) ? grade : worst), 'A');
}

export function isWorse(grade: Grade, than: Grade): boolean {
  return ORDER.indexOf(grade) > ORDER.indexOf(than);
}

export function versionGrade(version: TlsVersionName): Grade {
  switch (version) {
    case 'TLSv1.3':
    case 'TLSv1.2':
      return 'A';
    case 'TLSv1.1':
    case 'TLSv1':
      return 'B';
    case 'SSLv3':
      return 'C';
    default:
      return 'F';
  }
}

const TRIVIALLY_BROKEN = /NULL|EXPORT|_DES40_|_DES_CBC_|_anon_|RC2/;
const KNOWN_ATTACK = /RC4|IDEA|SEED|CAMELLIA|PSK|ARIA|GOST|SRP|KRB5/;
const OPTIMAL = /^TLS_ECDHE_(RSA|ECDSA)_WITH_(AES_(128|256)_GCM_SHA(256|384)|CHACHA20_POLY1305_SHA256)$/;
const TLS13_SUITES = new Set([0x1301, 0x1302, 0x1303, 0x1304, 0x1305]);
/** renegotiation and fallback signalling values, not suites */
const SIGNALS = new Set([0x00ff, 0x5600]);
const isGrease = (value: number) => (value & 0x0f0f) === 0x0a0a;

export interface CipherGrade {
  grade: Grade;
  /** the suite that decided the grade */
  decidedBy?: string;
}

export function cipherGrade(ciphers: readonly number[]): CipherGrade {
  const offered = ciphers.filter((suite) => !isGrease(suite) && !SIGNALS.has(suite));
  const named = offered.map((suite) => ({ suite, name: CIPHER_SUITES[suite] ?? `0x${suite.toString(16).padStart(4, '0')}` }));
  const broken = named.find(({ name }) => TRIVIALLY_BROKEN.test(name));
  if (broken) return { grade: 'F', decidedBy: broken.name };
  const attacked = named.find(({ name }) => KNOWN_ATTACK.test(name));
  if (attacked) return { grade: 'C', decidedBy: attacked.name };
  const first = named[0];
  if (!first) return { grade: 'F', decidedBy: 'no cipher suite offered' };
  const optimal = TLS13_SUITES.has(first.suite) || OPTIMAL.test(first.name);
  return { grade: optimal ? 'A' : 'B', decidedBy: first.name };
}

export interface HelloGrade {
  grade: Grade;
  version: Grade;
  cipher: CipherGrade;
}

export function gradeClientHello(hello: { tlsVersion: TlsVersionName; ciphers: readonly number[] }): HelloGrade {
  const version = versionGrade(hello.tlsVersion);
  const cipher = cipherGrade(hello.ciphers);
  return { grade: worstGrade(version, cipher.grade), version, cipher };
}
