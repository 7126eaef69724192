/**
 * OneCRL, offline. A fresh profile copies the OneCRL dump shipped inside omni.ja into cert_storage
 * a few seconds after start-up (that dump already revokes the real 2019 Qaznet root by issuer and
 * serial); the lab's own entries go into the same store through nsICertStorage. Verdicts wait
 * until both are in, so they never race the import.
 */
import type { Browser } from 'puppeteer-core';
import { evaluateInChrome } from './firefox-privileged.ts';

/** the 2019 Qaznet record of the shipped dump (bug 1569803): its presence means the import ran */
const SHIPPED_QAZNET_ISSUER = 'MCwxCzAJBgNVBAYTAktaMR0wGwYDVQQDExRRYXpuZXQgVHJ1c3QgTmV0d29yaw==';
const SHIPPED_QAZNET_SERIAL = 'PZV/yh+MD8hpLAGZTrVSMQNbnfE=';
const IMPORT_LIMIT_MS = 20_000;
const POLL_INTERVAL_MS = 250;

export interface SubjectKeyEntry {
  /** base64 DER subject Name */
  subject: string;
  /** base64 SHA-256 of the SPKI */
  pubKeyHash: string;
  /** base64 DER SPKI: cert_storage's lookup hashes the key itself */
  spki: string;
}

const CERT_STORAGE = `Cc['@mozilla.org/security/certstorage;1'].getService(Ci.nsICertStorage)`;
const BYTES = `(b64) => Array.from(atob(b64), (c) => c.charCodeAt(0))`;

async function revocationState(browser: Browser, issuer: string, serial: string, subject: string, pubKey: string): Promise<number> {
  const state = await evaluateInChrome(browser, `(() => { const bytes = ${BYTES};
    return String(${CERT_STORAGE}.getRevocationState(bytes(${JSON.stringify(issuer)}), bytes(${JSON.stringify(serial)}),
      bytes(${JSON.stringify(subject)}), bytes(${JSON.stringify(pubKey)}))); })()`);
  return Number(state);
}

const STATE_ENFORCE = 1;

export async function awaitShippedOneCrl(browser: Browser): Promise<{ waitedMs: number } | { problem: string }> {
  const started = performance.now();
  while (performance.now() - started < IMPORT_LIMIT_MS) {
    if (await revocationState(browser, SHIPPED_QAZNET_ISSUER, SHIPPED_QAZNET_SERIAL, '', '') === STATE_ENFORCE) {
      return { waitedMs: Math.round(performance.now() - started) };
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
  return { problem: `Firefox's shipped OneCRL was not imported within ${IMPORT_LIMIT_MS} ms` };
}

export async function addSubjectKeyRevocations(browser: Browser, entries: SubjectKeyEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const result = await evaluateInChrome(browser, `new Promise((resolve) => {
    const entries = ${JSON.stringify(entries.map(({ subject, pubKeyHash }) => ({ subject, pubKeyHash })))}.map((entry) => ({
      subject: entry.subject, pubKey: entry.pubKeyHash, state: Ci.nsICertStorage.STATE_ENFORCE,
      QueryInterface: ChromeUtils.generateQI(['nsISubjectAndPubKeyRevocationState']),
    }));
    ${CERT_STORAGE}.setRevocations(entries, { done: (rv) => resolve(String(rv)) });
  })`);
  if (result !== '0') throw new Error(`nsICertStorage.setRevocations failed: ${result}`);
  for (const entry of entries) {
    if (await revocationState(browser, '', '', entry.subject, entry.spki) !== STATE_ENFORCE) {
      throw new Error(`OneCRL entry for ${entry.pubKeyHash} did not take effect`);
    }
  }
}
