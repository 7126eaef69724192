import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cellUrl, visitOfCell } from '../../harness/runner/cell-tag.ts';
import type { OriginVisit } from '../../lab/runtime/types.ts';

const visit = (path: string, userAgent: string): OriginVisit => ({ time: 0, method: 'GET', path, peer: '127.0.0.1', userAgent });

test('a cell tag survives the URL round trip and picks that cell\'s last request only', () => {
  const url = cellUrl('https://vk.com:8443/', 'installed after sms', 'curl');
  assert.equal(new URL(url).host, 'vk.com:8443');
  const path = new URL(url).pathname + new URL(url).search;
  const visits = [visit(path, 'first'), visit(cellUrl('https://vk.com/', 'installed after sms', 'wget').slice('https://vk.com'.length), 'wget'), visit(path, 'second'), visit('/', 'untagged')];
  assert.equal(visitOfCell(visits, 'installed after sms', 'curl')?.userAgent, 'second');
  assert.equal(visitOfCell(visits, 'installed after sms', 'wget')?.userAgent, 'wget');
  assert.equal(visitOfCell(visits, 'not-installed', 'curl'), undefined);
});
