/**
 * `tlslab probe` as a person runs it, against servers on this machine's loopback only (no test
 * probes a real site): a chain ending in a root nobody ships is intercepted, a leaf whose issuer was
 * never sent is inconclusive; the verdict comes in Kazakh, the exit code says which, the JSON keeps
 * no address, and a bad --sites is one line with exit 2.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { makeTestPki } from '../clients/pki.ts';
import type { ProbeReport } from '../../lab/probe/types.ts';
import { CLI, IPV4 } from './helpers.ts';
import { probeAll } from '../../lab/probe/probe.ts';
import { renderProbe } from '../../harness/report/probe-text.ts';
import { translator } from '../../harness/i18n/translate.ts';
import { PROBE_EXIT } from '../../harness/commands/probe.ts';

function tlslab(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function serve(certPem: string, keyPem: string): Promise<Server> {
  const server = createServer({ cert: certPem, key: keyPem }, (socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

test('tlslab probe on loopback servers: intercepted (exit 1, Kazakh), inconclusive (exit 3), shareable JSON, a bad --sites exits 2', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tlslab-probe-cli-'));
  const pki = makeTestPki(dir);
  const forged = await serve(pki.rogueLeaf.certPem + readFileSync(pki.rogueRoot.certPath, 'utf8'), pki.rogueLeaf.keyPem);
  const lonelyLeaf = await serve(pki.publicLeaf.certPem, pki.publicLeaf.keyPem);
  try {
    const port = (s: Server) => String((s.address() as AddressInfo).port);
    const common = ['probe', '--sites', 'localhost', '--controls', '', '--timeout', '5'];
    const [intercepted, noFile] = await Promise.all([
      tlslab([...common, '--port', port(forged), '--lang', 'kk', '--json', join(dir, 'forged.json')]),
      tlslab(['probe', '--sites', '/nonexistent/list.txt']),
    ]);
    // the same functions in this process (a third CLI start would cost seconds on a loaded machine)
    const unclear = await probeAll([{ site: 'localhost', role: 'target' }], {
      targetFor: (site) => ({ site, url: `https://${site}:${port(lonelyLeaf)}/`, route: { kind: 'direct', host: site, port: Number(port(lonelyLeaf)) }, timeoutMs: 5000 }),
      publicAnchorsPem: [],
      ttl: true,
      maxTtl: 4,
      ttlTimeoutS: 0.5,
    });

    assert.equal(intercepted.code, 1, intercepted.stderr);
    assert.match(intercepted.stdout, /localhost: ҰСТАЛДЫ\. Сертификатты сайттың өзі емес, Rogue Security Certificate шығарған\./);
    assert.match(intercepted.stdout, /ҚОРЫТЫНДЫ: бұл байланыс ҰСТАЛЫП ЖАТЫР/);
    assert.match(intercepted.stdout, /Қай жерде: орны анықталмады \(сайттар осы компьютердің өзінде: өлшейтін жол жоқ\)/);
    assert.match(intercepted.stdout, /Android: Параметрлер/);
    assert.match(intercepted.stdout, /жергілікті мекенжайларсыз: бөлісуге болады/);
    const text = readFileSync(join(dir, 'forged.json'), 'utf8');
    assert.doesNotMatch(text, IPV4, 'no address in the shareable JSON');
    const report = JSON.parse(text) as ProbeReport;
    assert.equal(report.overall.verdict, 'intercepted');
    assert.equal(report.addresses, false);
    const site = report.sites[0]!;
    assert.ok(site.checks.some((c) => c.check === 'chain-anchor' && c.flagged === true));
    assert.deepEqual(site.ttl, { skipped: 'the site is on this machine (loopback): there are no hops to localise' });

    assert.equal(unclear.overall.verdict, 'inconclusive');
    assert.equal(unclear.sites[0]!.why, 'incomplete-chain');
    assert.equal(PROBE_EXIT[unclear.overall.verdict], 3);
    const unclearText = renderProbe(unclear, translator('en'), 1000);
    assert.match(unclearText, /unclear\. The server sent a chain that stops at Lab Public Root, which is not public/);
    assert.match(unclearText, /VERDICT: inconclusive/);

    assert.equal(noFile.code, 2);
    assert.equal(noFile.stderr, 'tlslab: --sites /nonexistent/list.txt: no such file (and not a list name: kz-2019, kz-2020, ooni-2021-2024)\n');
  } finally {
    forged.close();
    lonelyLeaf.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
