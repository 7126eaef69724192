/**
 * Run by rootless.test.ts as an unprivileged user: a lab in a user namespace (netns.md "Extra A"),
 * a TCP exchange across the gateway with an nft redirect loaded there, then down. Prints one JSON line.
 */
import { NetnsLab } from '../../lab/runtime/netns/lab.ts';
import { installInterception } from '../../lab/runtime/netns/interception.ts';

const lab = await NetnsLab.up({ routersBeforeGateway: 1, origins: ['example.org'] });
try {
  const origin = lab.address('origin-example');
  // the redirect only covers :443, so the :8080 exchange below must pass straight through
  await installInterception(lab, { method: 'redirect', port: 20443, selection: { kind: 'all' } });
  const server = lab.spawn('origin-example', ['python3', '-c', 'import socket,sys\ns=socket.create_server((sys.argv[1],8080))\nc,a=s.accept();c.sendall(a[0].encode())', origin]);
  let peer = '';
  for (let i = 0; i < 50 && !peer; i++) {
    const r = await lab.run('client', ['python3', '-c', 'import socket,sys\nprint(socket.create_connection((sys.argv[1],8080),timeout=2).recv(64).decode())', origin], { check: false });
    peer = r.code === 0 ? r.stdout.trim() : '';
    if (!peer) await new Promise((res) => setTimeout(res, 50));
  }
  server.kill();
  const rules = await lab.run('gw', ['nft', 'list', 'table', 'ip', 'tlslab']);
  const resolved = await lab.run('client', ['getent', 'hosts', 'example.org']);
  process.stdout.write(JSON.stringify({ mode: lab.holder.mode, uid: process.getuid?.(), peer, client: lab.address('client'), redirectLoaded: rules.stdout.includes('redirect to :20443'), resolved: resolved.stdout.trim(), upMs: lab.timings.totalUpMs, inodes: Object.values(lab.holder.namespaces()), holderPid: lab.holder.pid }) + '\n');
} finally {
  await lab.down();
}
