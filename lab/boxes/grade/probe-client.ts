/**
 * The report card's own client: one fresh TLS connection over a lane route, offering h2 and
 * http/1.1 like a browser, verifying nothing itself (the card judges the chain), then one GET.
 * In the lab's process, on loopback only.
 */
import { X509Certificate } from 'node:crypto';
import * as tls from 'node:tls';
import type { Route } from '../../clients/types.ts';

export interface ProbeResult {
  /** PEM per certificate, leaf first, as sent */
  chainPem: string[];
  version?: string;
  alpn?: string;
  /** HTTP status of the GET, if one came back */
  status?: number;
  /** why the connection or the GET failed */
  error?: string;
  /** ms from the TCP connect to the response's first line */
  ms: number;
}

function peerChain(socket: tls.TLSSocket): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (let cert = socket.getPeerCertificate(true); cert?.raw && !seen.has(cert.fingerprint256); cert = cert.issuerCertificate) {
    seen.add(cert.fingerprint256);
    out.push(new X509Certificate(cert.raw).toString());
  }
  return out;
}

/**
 * Not Node's default list: a box written on Node (the engine, http-mitm-proxy) would otherwise send
 * origins the very hello this client sends and look as if it mirrored it. With these six suites, a
 * box whose hello matches really copied the client's.
 */
const PROBE_CIPHERS = [
  'TLS_CHACHA20_POLY1305_SHA256',
  'TLS_AES_128_GCM_SHA256',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
].join(':');

export function probe(route: Route, site: string, url: string, timeoutMs = 10_000): Promise<ProbeResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = tls.connect({ host: route.host, port: route.port, servername: site, rejectUnauthorized: false, ALPNProtocols: ['h2', 'http/1.1'], ciphers: PROBE_CIPHERS });
    const result: ProbeResult = { chainPem: [], ms: 0 };
    let response = '';
    const finish = (error?: string) => {
      clearTimeout(timer);
      socket.destroy();
      result.ms = Math.round(performance.now() - started);
      if (error && result.status === undefined) result.error = error;
      resolve(result);
    };
    const timer = setTimeout(() => finish(`no answer within ${timeoutMs} ms`), timeoutMs);
    socket.once('secureConnect', () => {
      result.chainPem = peerChain(socket);
      result.version = socket.getProtocol() ?? undefined;
      if (socket.alpnProtocol) result.alpn = socket.alpnProtocol;
      if (socket.alpnProtocol === 'h2') return finish(); // the card does not speak h2; the negotiation is the fact
      const { pathname, search, host } = new URL(url);
      socket.write(`GET ${pathname}${search} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    });
    socket.on('data', (chunk: Buffer) => {
      response += chunk.toString('latin1');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(response);
      if (status) {
        result.status = Number(status[1]);
        finish();
      }
    });
    socket.once('error', (err: NodeJS.ErrnoException) => finish(err.code ?? err.message));
    socket.once('close', () => finish(response ? `no HTTP status line in ${response.length} bytes` : 'closed without a response'));
  });
}
