/**
 * A minimal intercepting relay built on Node's TLS, like the lab's engine: it terminates the
 * client's TLS with a forged leaf and re-originates to the origin with its own ClientHello,
 * forwarding the HTTP request (User-Agent included) unchanged. Loopback only.
 */
import { createServer, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { SecureVersion } from 'node:tls';
import { createAuthority, issueServerCertificate } from '../../../lab/ca/index.ts';
import { startClientHelloRecorder, type ClientHelloRecorder } from '../../../lab/detectors/clienthello/recorder.ts';
import { SITE } from './real-clients.ts';

export interface Relay {
  port: number;
  close(): Promise<void>;
}

export interface RelayOptions {
  /** forged leaf chain and key presented to the client */
  certPem: string;
  keyPem: string;
  originPort: number;
  /** model a weak box upstream (the 2019 box offered TLS 1.2 only) */
  maxVersion?: SecureVersion;
  ciphers?: string;
}

export async function startRelay(options: RelayOptions): Promise<Relay> {
  const server = createServer({ cert: options.certPem, key: options.keyPem }, (incoming, outgoing) => {
    const servername = (incoming.headers.host ?? 'localhost').split(':')[0]!;
    const upstream = request(
      {
        host: '127.0.0.1',
        port: options.originPort,
        servername,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
        // the lab's origin is signed by lab-public; verification is not what this relay models
        rejectUnauthorized: false,
        agent: false,
        ...(options.maxVersion ? { maxVersion: options.maxVersion } : {}),
        ...(options.ciphers ? { ciphers: options.ciphers } : {}),
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    upstream.on('error', () => outgoing.destroy());
    incoming.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A recording origin for SITE under the lab-public CA, and a Node interceptor in front of it with
 * its own forged leaf; `relayVia` adds more interceptors (other upstream caps) to the same origin.
 */
export async function startInterceptedSite(): Promise<{
  recorder: ClientHelloRecorder;
  relay: Relay;
  relayVia(options: Pick<RelayOptions, 'maxVersion' | 'ciphers'>): Promise<Relay>;
}> {
  const origin = await issueServerCertificate(await createAuthority('lab-public'), { names: [SITE] });
  const recorder = await startClientHelloRecorder({ certPem: origin.chainPem, keyPem: origin.keyPem });
  const forged = await issueServerCertificate(await createAuthority('generic'), { names: [SITE] });
  const relayVia = (options: Pick<RelayOptions, 'maxVersion' | 'ciphers'>) =>
    startRelay({ certPem: forged.chainPem, keyPem: forged.keyPem, originPort: recorder.port, ...options });
  return { recorder, relay: await relayVia({}), relayVia };
}
