/**
 * http-mitm-proxy 1.1.0 as a box (a child Node, so the lab can stop it and read its key log via
 * --tls-keylog): library defaults plus forceSNI (one internal https listener for every name), its
 * CA dir filled with the scenario's authority, targets chosen by the CONNECT host in its connect
 * hook (other names are tunnelled to their origin untouched), upstream names sent to their lab
 * addresses, upstream trust from NODE_EXTRA_CA_CERTS.
 * Usage: http-mitm-proxy-main.ts CONFIG.json  ({ port, sslCaDir, targets: string[] | "*", sites: { name: address } })
 */
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import type { LookupFunction } from 'node:net';
import { Proxy } from 'http-mitm-proxy';

interface Config {
  port: number;
  sslCaDir: string;
  targets: string[] | '*';
  sites: Record<string, string>;
}

const config = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as Config;
const sites = new Map(Object.entries(config.sites).map(([name, address]) => [name.toLowerCase(), address]));
const targets = config.targets === '*' ? undefined : new Set(config.targets.map((t) => t.toLowerCase()));

// a name the lab does not serve must fail, never be looked up for real
const toLab = ((hostname: string, options, callback) => {
  const address = sites.get(hostname.toLowerCase());
  if (!address) return callback(Object.assign(new Error(`the lab serves no site named ${hostname}`), { code: 'ENOTFOUND' }), '', 4);
  if (options.all) callback(null, [{ address, family: 4 }]);
  else callback(null, address, 4);
}) as LookupFunction;

console.debug = () => {};
console.info = () => {};

const proxy = new Proxy();
proxy.onConnect((req, socket, head, callback) => {
  const [host = '', port = '443'] = (req.url ?? '').split(':');
  if (!targets || targets.has(host.toLowerCase())) return callback();
  // not a target: a plain tunnel to the site's origin, as the library's own docs show
  const address = sites.get(host.toLowerCase());
  if (!address) return socket.destroy();
  const upstream = net.connect({ host: address, port: Number(port) }, () => {
    socket.write('HTTP/1.1 200 OK\r\n\r\n');
    if (head.length > 0) upstream.write(head);
    upstream.pipe(socket);
    socket.pipe(upstream);
  });
  upstream.on('error', () => socket.destroy());
  socket.on('error', () => upstream.destroy());
});
proxy.onRequest((ctx, callback) => {
  Object.assign(ctx.proxyToServerRequestOptions!, { lookup: toLab });
  callback();
});
proxy.listen({ host: '127.0.0.1', port: config.port, sslCaDir: config.sslCaDir, forceSNI: true }, (error) => {
  if (error) {
    console.error(error);
    process.exit(1);
  }
});
process.on('SIGTERM', () => {
  proxy.close();
  process.exit(0);
});
