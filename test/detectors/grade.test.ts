import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cipherGrade, gradeClientHello, versionGrade, worstGrade } from '../../lab/detectors/clienthello/grade.ts';

test('version grades follow MITMEngine: 1.3/1.2 A, 1.1/1.0 B, SSLv3 C, else F', () => {
  assert.deepEqual(
    (['TLSv1.3', 'TLSv1.2', 'TLSv1.1', 'TLSv1', 'SSLv3', 'SSLv2', 'unknown'] as const).map(versionGrade),
    ['A', 'A', 'B', 'B', 'C', 'F', 'F'],
  );
});

test('any trivially broken suite offered makes F, even behind a good first suite', () => {
  assert.equal(cipherGrade([0xc02f, 0x0003]).grade, 'F'); // RSA_EXPORT_WITH_RC4_40_MD5
  assert.equal(cipherGrade([0xc02f, 0x0009]).grade, 'F'); // single DES
  assert.equal(cipherGrade([0xc02f, 0x0018]).grade, 'F'); // DH_anon
  assert.equal(cipherGrade([0xc02f, 0x0002]).grade, 'F'); // NULL
});

test('a known-attack suite makes C; F wins over C', () => {
  assert.equal(cipherGrade([0xc02f, 0x0005]).grade, 'C'); // RC4
  assert.equal(cipherGrade([0xc02f, 0x0041]).grade, 'C'); // Camellia
  assert.equal(cipherGrade([0x0005, 0x0001]).grade, 'F');
});

test('otherwise the first suite decides; SCSV and GREASE are not suites', () => {
  assert.equal(cipherGrade([0xc02b]).grade, 'A');
  assert.equal(cipherGrade([0x1301]).grade, 'A');
  assert.equal(cipherGrade([0xcca8]).grade, 'A'); // ECDHE-RSA-CHACHA20-POLY1305
  assert.equal(cipherGrade([0x002f, 0xc02f]).grade, 'B'); // AES128-SHA first
  assert.equal(cipherGrade([0x009c]).grade, 'B'); // RSA AES-GCM, no forward secrecy
  assert.equal(cipherGrade([0x00ff, 0x0a0a, 0xc030]).grade, 'A');
  assert.equal(cipherGrade([]).grade, 'F');
});

test('the overall grade is the worst of version and suites', () => {
  assert.equal(worstGrade('A', 'C', 'B'), 'C');
  assert.equal(gradeClientHello({ tlsVersion: 'TLSv1', ciphers: [0xc02f] }).grade, 'B');
  assert.equal(gradeClientHello({ tlsVersion: 'TLSv1.3', ciphers: [0x1302, 0x0004] }).grade, 'C');
});
