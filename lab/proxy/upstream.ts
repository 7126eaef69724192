/**
 * The engine's own TLS client toward origins: one place for the upstream policy (anchors, version
 * and cipher caps), session resumption (saves a full handshake per client connection) and the
 * verdict on the origin's certificate.
 */
import * as tls from 'node:tls';
import type { KeyLog } from './keylog.ts';
import { timeoutError } from './timeouts.ts';
import type { UpstreamVerdict } from './policy.ts';
import type { Destination, UpstreamPolicy } from './types.ts';

/** The 2019 box toward origins: TLS 1.2 at most, 13 suites (docs/campaigns.md §1.7; suite choice is ours). */
export const KZ_2019_BOX_UPSTREAM: Pick<UpstreamPolicy, 'maxVersion' | 'ciphers'> = Object.freeze({
  maxVersion: 'TLSv1.2',
  ciphers: [
    'ECDHE-ECDSA-AES128-GCM-SHA256',
    'ECDHE-RSA-AES128-GCM-SHA256',
    'ECDHE-ECDSA-AES256-GCM-SHA384',
    'ECDHE-RSA-AES256-GCM-SHA384',
    'ECDHE-ECDSA-AES128-SHA',
    'ECDHE-RSA-AES128-SHA',
    'ECDHE-ECDSA-AES256-SHA',
    'ECDHE-RSA-AES256-SHA',
    'AES128-GCM-SHA256',
    'AES256-GCM-SHA384',
    'AES128-SHA',
    'AES256-SHA',
    'DES-CBC3-SHA',
  ].join(':'),
});

export interface UpstreamRequest {
  destination: Destination;
  /** the client's SNI, re-sent unchanged; absent = none sent */
  sni?: string;
  alpn?: string[];
  /** the client connection this leg serves (key log lines carry it); absent: a shared pool connection */
  conn?: number;
}

export interface UpstreamConnection {
  socket: tls.TLSSocket;
  verdict: UpstreamVerdict;
  /** DER of the origin's leaf (the kz-2019 profile copies its names) */
  leafDer?: Buffer;
}

const SESSION_CACHE_LIMIT = 1_000;

export class UpstreamConnector {
  private readonly sessions = new Map<string, Buffer>();
  private readonly ca: string[] | undefined;
  /** set once so the expensive anchor parsing happens once, not per connection */
  private readonly secureContext: tls.SecureContext;

  constructor(
    policy: UpstreamPolicy,
    private readonly keylog: KeyLog,
    private readonly track: (socket: tls.TLSSocket) => void,
    /** TCP connect plus TLS handshake (EngineOptions.upstreamTimeoutMs) */
    private readonly timeoutMs: number,
  ) {
    this.ca = policy.caPem && policy.caPem.length > 0 ? [...policy.caPem] : undefined;
    this.secureContext = tls.createSecureContext({
      ...(this.ca ? { ca: this.ca } : {}),
      ...(policy.maxVersion ? { maxVersion: policy.maxVersion } : {}),
      ...(policy.ciphers ? { ciphers: policy.ciphers } : {}),
    });
  }

  /** Options for node:tls.connect, also used to reproduce the engine's ClientHello for fingerprinting. */
  tlsOptions(request: UpstreamRequest): tls.ConnectionOptions {
    return {
      host: request.destination.host,
      port: request.destination.port,
      ...(request.sni ? { servername: request.sni } : {}),
      ...(request.alpn && request.alpn.length > 0 ? { ALPNProtocols: request.alpn } : {}),
      secureContext: this.secureContext,
      // judged below instead: the 2019 trigger needs to see invalid origins without failing on them
      rejectUnauthorized: false,
    };
  }

  connect(request: UpstreamRequest): Promise<UpstreamConnection> {
    const key = sessionKey(request);
    const session = this.sessions.get(key);
    let socket: tls.TLSSocket;
    try {
      socket = tls.connect({ ...this.tlsOptions(request), ...(session ? { session } : {}) });
    } catch (err) {
      // Node validates some options synchronously (a protocol name over 255 bytes)
      return Promise.reject(err as Error);
    }
    this.track(socket);
    this.keylog.attach(socket, request.conn ?? 0);
    socket.on('session', (s: Buffer) => {
      if (this.sessions.size >= SESSION_CACHE_LIMIT) this.sessions.delete(this.sessions.keys().next().value!);
      this.sessions.set(key, s);
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const err = Object.assign(new Error(timeoutError('upstream', this.timeoutMs, `origin ${describe(request.destination)} did not finish the TLS handshake`)), { code: 'ETIMEDOUT' });
        socket.destroy(err);
      }, this.timeoutMs);
      const fail = (err: Error) => {
        clearTimeout(timer);
        reject(err);
      };
      const closedEarly = () => fail(Object.assign(new Error(`origin ${describe(request.destination)} closed during the TLS handshake`), { code: 'ECONNRESET' }));
      socket.once('error', fail);
      socket.once('close', closedEarly);
      socket.once('secureConnect', () => {
        clearTimeout(timer);
        socket.removeListener('error', fail);
        socket.removeListener('close', closedEarly);
        const verdict = this.judge(socket);
        if (!verdict.valid) this.sessions.delete(key);
        const leafDer = socket.getPeerCertificate()?.raw;
        resolve({ socket, verdict, ...(leafDer ? { leafDer } : {}) });
      });
    });
  }

  private judge(socket: tls.TLSSocket): UpstreamVerdict {
    if (socket.authorized) return { chainValid: true, valid: true };
    const error = String(socket.authorizationError ?? 'unverified');
    // Node folds the name check into authorizationError; the chain itself verified fine
    const chainValid = error === 'ERR_TLS_CERT_ALTNAME_INVALID' || /altnames|Hostname\/IP/.test(error);
    return { chainValid, valid: false, error };
  }

  forget(): void {
    this.sessions.clear();
  }
}

function sessionKey(request: UpstreamRequest): string {
  return `${request.destination.host}:${request.destination.port}|${request.sni ?? ''}|${(request.alpn ?? []).join(',')}`;
}

export function describe(destination: Destination): string {
  return destination.host.includes(':') ? `[${destination.host}]:${destination.port}` : `${destination.host}:${destination.port}`;
}
