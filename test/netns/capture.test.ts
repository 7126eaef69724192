import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startCapture } from '../../lab/runtime/netns/capture.ts';
import { skipReason } from './support.ts';
import { upFixture, interceptWithStub } from './lab-fixture.ts';

const tshark = spawnSync('tshark', ['--version'], { encoding: 'utf8' }).status === 0;

test('capture on the gateway decrypts with the interceptor key log: tshark shows the request line', { skip: skipReason || (!tshark && 'tshark is not installed (apt-get install tshark)'), timeout: 60_000 }, async () => {
  const f = await upFixture(0);
  try {
    await interceptWithStub(f, 'tproxy', [f.facebook.address]);
    const pcap = join(f.work, 'gw.pcapng');
    const capture = await startCapture(f.lab, 'gw', f.lab.plan.gatewayInside, pcap, 'tcp port 443');
    const r = await f.lab.run('client', ['curl', '-sS', '--max-time', '5', 'https://facebook.com/secret-path-42'], { check: false });
    assert.equal(r.code, 0, r.stderr);
    await capture.stop();
    assert.ok(existsSync(pcap));
    const keylog = join(f.work, 'stub-keys.log');
    const read = (extra: string[]): string =>
      spawnSync('tshark', ['-n', '-r', pcap, ...extra, '-Y', 'http.request', '-T', 'fields', '-e', 'http.request.line', '-e', 'http.request.uri'], { encoding: 'utf8' }).stdout;
    assert.match(read(['-o', `tls.keylog_file:${keylog}`]), /\/secret-path-42/);
    // without the key log the same capture shows no HTTP at all: the decryption is real
    assert.doesNotMatch(read([]), /secret-path/);
  } finally {
    await f.close();
  }
});
