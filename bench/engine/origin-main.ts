/**
 * Bench origin (child process): HTTPS on 127.0.0.1, one certificate per name (so first contact
 * forces a forge), 1 KiB body on /, 200 MiB on /bulk. Prints its port as one JSON line.
 * Usage: origin-main.ts rsa2048|ecdsa-p256 LABPUBLIC_DIR NAMES_COMMA
 */
import * as https from 'node:https';
import * as tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { loadAuthority, issueServerCertificate } from '../../lab/ca/index.ts';

const [keyType, caDir, namesArg] = process.argv.slice(2) as ['rsa2048' | 'ecdsa-p256', string, string];
const authority = await loadAuthority(caDir);
const names = namesArg.split(',');
const contexts = new Map<string, tls.SecureContext>();
let fallback: tls.SecureContext | undefined;
for (const name of names) {
  const cert = await issueServerCertificate(authority, { names: [name], keyType: name === names[0] ? keyType : 'ecdsa-p256' });
  const ctx = tls.createSecureContext({ cert: cert.chainPem, key: cert.keyPem });
  contexts.set(name, ctx);
  fallback ??= ctx;
}
const first = await issueServerCertificate(authority, { names: [names[0]!], keyType });
const body = Buffer.alloc(1024, 'a');
const chunk = Buffer.alloc(1 << 20, 'b');
const BULK_MIB = 200;
const server = https.createServer(
  { cert: first.chainPem, key: first.keyPem, SNICallback: (name, cb) => cb(null, contexts.get(name) ?? fallback), minVersion: 'TLSv1.3' },
  (req, res) => {
    if (req.url === '/bulk') {
      res.writeHead(200, { 'content-length': String(BULK_MIB << 20), 'content-type': 'application/octet-stream' });
      let sent = 0;
      const pump = () => {
        while (sent < BULK_MIB) {
          sent++;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      return pump();
    }
    res.writeHead(200, { 'content-length': '1024', 'content-type': 'text/plain' });
    res.end(body);
  },
);
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: (server.address() as AddressInfo).port }) + '\n'));
