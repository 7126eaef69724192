import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EngineEvent } from '../../lab/proxy/types.ts';
import { engineViewFromEvents } from '../../lab/detectors/engine-view.ts';

const events: EngineEvent[] = [
  { type: 'client-hello', conn: 1, time: 1, sni: 'www.facebook.com', ja3: 'old', ja4: 'old' },
  { type: 'handshake-failed', conn: 1, time: 2, side: 'client', cause: 'cert-rejected', alert: 'unknown_ca', message: 'client refused' },
  { type: 'client-hello', conn: 2, time: 3, sni: 'control.example.kz', ja4: 'other-site' },
  { type: 'decision', conn: 2, time: 4, action: 'passthrough', reason: 'not a target' },
  { type: 'client-hello', conn: 3, time: 5, sni: 'www.facebook.com', alpn: ['h2'], ja3: 'j3', ja4: 'j4', version: 'TLSv1.3' },
  { type: 'decision', conn: 3, time: 6, action: 'intercept', reason: 'sni in targets', sni: 'www.facebook.com' },
  { type: 'upstream-hello', conn: 3, time: 7, ja4: 'up4', destination: '127.0.0.2:443' },
  { type: 'closed', conn: 3, time: 8, bytesFromClient: 1, bytesToClient: 2, durationMs: 3 },
];

test("the cell's view is built from the site's last connection only", () => {
  assert.deepEqual(engineViewFromEvents(events, 'www.facebook.com'), {
    clientHello: { sni: 'www.facebook.com', alpn: ['h2'], ja3: 'j3', ja4: 'j4', version: 'TLSv1.3' },
    decision: { action: 'intercept', reason: 'sni in targets' },
    upstreamHello: { ja4: 'up4', destination: '127.0.0.2:443' },
  });
});

test('a refused handshake is carried as a failure, and an unseen site gives an empty view', () => {
  const refusedOnly = engineViewFromEvents(events.slice(0, 2), 'www.facebook.com');
  assert.deepEqual(refusedOnly.handshakeFailures, [{ side: 'client', cause: 'cert-rejected', message: 'client refused' }]);
  assert.deepEqual(engineViewFromEvents(events, 'vk.com'), {});
  assert.equal(engineViewFromEvents(events, 'control.example.kz').decision?.action, 'passthrough');
});
