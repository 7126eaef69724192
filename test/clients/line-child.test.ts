/**
 * Long-lived client processes spoken to in lines (lab/clients/line-child.ts), and the node/undici
 * sessions built on them: with a launcher, one child Node serves every visit of a session, and a
 * child that hangs or dies is replaced rather than trusted with the next visit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineChild, LineTimeoutError } from '../../lab/clients/line-child.ts';
import { createNodeShim } from '../../lab/clients/node.ts';
import type { ClientLauncher } from '../../lab/clients/types.ts';
import { directTo, startTestLab, trustPublic, visitTarget } from './lab.ts';

const ECHO = `require('readline').createInterface({ input: process.stdin }).on('line', (l) => {
  if (l === 'hang') return;
  if (l === 'die') process.exit(3);
  console.log('pid ' + process.pid + ' ' + l);
});`;

test('a line child answers each request in order from one process', async () => {
  const child = new LineChild([process.execPath, '-e', ECHO]);
  try {
    const first = await child.request('a', 5_000);
    const second = await child.request('b', 5_000);
    assert.match(first ?? '', /^pid (\d+) a$/);
    assert.equal(second, first!.replace(/ a$/, ' b'));
  } finally {
    await child.stop();
  }
});

test('a line child that does not answer in time is killed; one that dies answers undefined with its exit code', async () => {
  const hung = new LineChild([process.execPath, '-e', ECHO]);
  await assert.rejects(hung.request('hang', 300), LineTimeoutError);
  assert.equal(hung.alive, false);
  await hung.stop();
  const dying = new LineChild([process.execPath, '-e', ECHO]);
  assert.equal(await dying.request('die', 5_000), undefined);
  assert.equal(dying.exitCode, 3);
  assert.equal(dying.alive, false);
});

test('node with a launcher: one child Node for the whole session, the same verdicts visit after visit', { timeout: 60_000 }, async () => {
  const lab = await startTestLab();
  try {
    const started: string[][] = [];
    const launcher: ClientLauncher = {
      where: 'a recording launcher',
      wrap(argv, env) {
        started.push([...argv]);
        return ['env', '-i', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...argv];
      },
    };
    const session = await createNodeShim().prepare(trustPublic(lab), lab.workDir('node-line-child'), { launcher });
    const visits = [await session.visit(visitTarget(directTo(lab.publicOrigin))), await session.visit(visitTarget(directTo(lab.publicOrigin)))];
    await session.close();
    assert.deepEqual(visits.map((v) => v.outcome), ['loaded', 'loaded']);
    assert.equal(started.filter((argv) => argv.join(' ').includes('node-visit-main.ts')).length, 1);
  } finally {
    await lab.close();
  }
});
