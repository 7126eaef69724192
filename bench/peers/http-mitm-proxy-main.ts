/**
 * http-mitm-proxy 1.1.0 as the reference ran it (child process): library defaults except forceSNI,
 * which keeps one internal https listener instead of one per host name. Upstream trust comes from
 * NODE_EXTRA_CA_CERTS; every upstream request goes to the bench origin on 127.0.0.1.
 * Usage: http-mitm-proxy-main.ts PORT SSL_CA_DIR ORIGIN_PORT
 */
import type { LookupFunction } from 'node:net';
import { Proxy } from 'http-mitm-proxy';

const [port, sslCaDir, originPort] = process.argv.slice(2) as [string, string, string];

// bench names do not resolve; keep the name (SNI and verification) and change only the address
const toLoopback = ((_hostname, options, callback) => {
  if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
  else callback(null, '127.0.0.1', 4);
}) as LookupFunction;

// one line per new host name otherwise; the reference silenced the same
console.debug = () => {};
console.info = () => {};

const proxy = new Proxy();
proxy.onRequest((ctx, callback) => {
  Object.assign(ctx.proxyToServerRequestOptions!, { port: Number(originPort), lookup: toLoopback });
  callback();
});
proxy.listen({ host: '127.0.0.1', port: Number(port), sslCaDir, forceSNI: true }, (error) => {
  if (error) {
    console.error(error);
    process.exit(1);
  }
});
process.on('SIGTERM', () => {
  proxy.close();
  process.exit(0);
});
