/**
 * Bench floor (child process): a plain CONNECT relay, no TLS, every tunnel to the origin on
 * 127.0.0.1 (the bench names do not resolve). Usage: relay-main.ts ORIGIN_PORT
 */
import * as net from 'node:net';

const originPort = Number(process.argv[2]);

const server = net.createServer({ noDelay: true }, (client) => {
  client.on('error', () => {});
  let head = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    client.off('data', onData);
    if (!head.toString('latin1').startsWith('CONNECT ')) return void client.destroy();
    const upstream = net.connect({ host: '127.0.0.1', port: originPort, noDelay: true }, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > end + 4) upstream.write(head.subarray(end + 4));
      client.pipe(upstream).pipe(client);
    });
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
  };
  client.on('data', onData);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: (server.address() as net.AddressInfo).port }) + '\n'));
