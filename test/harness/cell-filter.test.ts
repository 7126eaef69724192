/** --grep and --shard over a grid: titles, balanced contiguous slices, the same split everywhere. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cellIdKey, cellTitle, chooseCells, shardRange, type CellId } from '../../harness/runner/cell-filter.ts';
import { parsePattern, parseShard } from '../../harness/commands/options.ts';

function grid(scenario: string, states: string[], clients: string[], sites: string[]): CellId[] {
  return states.flatMap((state) => clients.flatMap((client) => sites.map((site) => ({ scenario, state, client, site }))));
}

test('a cell title names scenario, state, client@site and the box when rows carry one', () => {
  assert.equal(cellTitle({ scenario: 'kz-2019-qaznet', state: 'not-installed', client: 'curl', site: 'vk.com' }), 'kz-2019-qaznet not-installed curl@vk.com');
  assert.equal(cellTitle({ scenario: 's', box: 'mitmproxy', state: 'a', client: 'wget', site: 'x.kz' }), 's a wget@x.kz [mitmproxy]');
});

test('shards are contiguous, cover every cell once, and differ in size by one at most', () => {
  for (const count of [0, 1, 2, 7, 45, 60, 61]) {
    for (const total of [1, 2, 3, 4, 7]) {
      const ranges = Array.from({ length: total }, (_, i) => shardRange(count, { current: i + 1, total }));
      assert.equal(ranges[0]!.start, 0);
      assert.equal(ranges.at(-1)!.end, count);
      for (let i = 1; i < total; i++) assert.equal(ranges[i]!.start, ranges[i - 1]!.end, 'contiguous, no overlap');
      const sizes = ranges.map((r) => r.end - r.start);
      assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `${count} cells in ${total} shards: ${sizes.join(',')}`);
    }
  }
});

test('grep picks cells by title before the split; the split depends only on the grid', () => {
  const cells = [...grid('a', ['s1', 's2'], ['curl', 'node'], ['vk.com', 'x.kz']), ...grid('b', ['t'], ['curl'], ['vk.com', 'y.kz'])];
  const curl = chooseCells(cells, { grep: /curl@/ });
  assert.equal(curl.size, 6);
  assert.ok([...curl].every((k) => k.includes('\0curl\0')));
  const notVk = chooseCells(cells, { grepInvert: /@vk\.com/ });
  assert.equal(notVk.size, 5);
  const both = chooseCells(cells, { grep: /curl@/, grepInvert: /^b / });
  assert.equal(both.size, 4);
  // three shards of the curl cells: 2 + 2 + 2, in grid order, the same on every call
  const shards = [1, 2, 3].map((current) => [...chooseCells(cells, { grep: /curl@/, shard: { current, total: 3 } })]);
  assert.deepEqual(shards.flat(), [...curl]);
  assert.deepEqual(shards.map((s) => s.length), [2, 2, 2]);
  assert.deepEqual([1, 2, 3].map((current) => [...chooseCells(cells, { grep: /curl@/, shard: { current, total: 3 } })]), shards);
  assert.equal(shards[2]![1], cellIdKey({ scenario: 'b', state: 't', client: 'curl', site: 'y.kz' }));
});

test('bad --shard and --grep values are usage errors with what is expected', () => {
  assert.deepEqual(parseShard('2/3'), { current: 2, total: 3 });
  for (const bad of ['0/3', '4/3', '3', 'a/b', '1/0', '-1/2']) assert.throws(() => parseShard(bad), /expected i\/n with 1 ≤ i ≤ n/, bad);
  assert.throws(() => parsePattern('curl@(vk'), /not a regular expression/);
  assert.ok(parsePattern('curl@vk\\.com').test('kz not-installed curl@vk.com'));
});
