import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ReplayRequest, replayCommitMetadata } from '@pgshift/contracts';
import { createLogger } from '@pgshift/runtime';
import { Counter, Registry } from 'prom-client';
import { type ReplayPort, TopicReplays } from './topic-replays.js';

const topic = 'pgshift.shop.orders';

/** A consumer owning `assigned` partitions of the topic, with `committed` offsets, recording what a replay does. */
function fakePort(assigned: number[], committed: Record<number, bigint>, { quiesceFails = 0 } = {}) {
  const metadata = new Map<number, string>();
  const calls: string[] = [];
  let failures = quiesceFails;
  const port: ReplayPort = {
    assignedPartitions: (t) => (t === topic ? assigned : []),
    committedOf: (_t, p) => ({ offset: committed[p] ?? null, metadata: metadata.get(p) ?? null }),
    quiesce: async (t) => {
      calls.push(`quiesce ${t}`);
      return failures-- <= 0;
    },
    seek: (_t, p, offset) => calls.push(`seek ${p}@${offset}`),
    rewind: async (_t, p, offset, m) => {
      calls.push(`commit ${p}@${offset} ${m}`);
      committed[p] = offset;
      metadata.set(p, m);
    },
    tag: (_t, p, m) => {
      calls.push(`tag ${p} ${m}`);
      metadata.set(p, m);
    },
    resume: (t) => calls.push(`resume ${t}`),
  };
  return { port, calls };
}

function replays(port: ReplayPort) {
  const replays = new Counter({ name: 'replays', help: 'h', labelNames: ['topic'], registers: [new Registry()] });
  return new TopicReplays({ port, logger: createLogger('replay-test', 'silent'), replays, retryMs: 10 });
}

const request = (id: string, offsets: Record<number, string>): ReplayRequest => ({
  id,
  topic,
  from: 'earliest',
  offsets: Object.entries(offsets).map(([partition, offset]) => ({ partition: Number(partition), offset })),
});

test('an owned partition is written out, read again from the requested offset, and committed there with the request id', async () => {
  const { port, calls } = fakePort([0, 2], { 0: 100n, 2: 40n });
  const r = replays(port);
  r.requested(request('a', { 0: '10', 1: '0', 2: '5' }));
  await r.runDue();
  const tag = replayCommitMetadata('a');
  assert.deepEqual(calls, [`quiesce ${topic}`, 'seek 0@10', `commit 0@10 ${tag}`, 'seek 2@5', `commit 2@5 ${tag}`, `resume ${topic}`]);
});

test('a partition is replayed once per request: a rejoin, or the same record again, does nothing', async () => {
  const { port, calls } = fakePort([0], { 0: 100n });
  const r = replays(port);
  r.requested(request('a', { 0: '10' }));
  await r.runDue();
  const done = calls.length;
  r.joined();
  r.requested(request('a', { 0: '10' }));
  await r.runDue();
  assert.equal(calls.length, done);
  r.requested(request('b', { 0: '0' }));
  await r.runDue();
  assert.ok(calls.includes('seek 0@0'), 'a new request is done');
});

test('a replay never moves a partition forward of its commit, and one with nothing committed is only tagged', async () => {
  const { port, calls } = fakePort([0, 1], { 0: 20n });
  const r = replays(port);
  r.requested(request('a', { 0: '50', 1: '7' }));
  await r.runDue();
  const tag = replayCommitMetadata('a');
  assert.deepEqual(calls, [`quiesce ${topic}`, 'seek 0@20', `commit 0@20 ${tag}`, `tag 1 ${tag}`, `resume ${topic}`]);
});

test('a replay whose buffer cannot be written out now is tried again, and the topic is taken again meanwhile', async () => {
  const { port, calls } = fakePort([0], { 0: 100n }, { quiesceFails: 2 });
  const r = replays(port);
  r.requested(request('a', { 0: '1' }));
  await r.runDue();
  assert.deepEqual(calls, [`quiesce ${topic}`, `resume ${topic}`, `quiesce ${topic}`, `resume ${topic}`]);
  await sleep(100);
  assert.ok(calls.includes('seek 0@1'), calls.join('; '));
  r.stop();
});

test('partitions owned by another instance are left to it', async () => {
  const { port, calls } = fakePort([], { 0: 100n });
  const r = replays(port);
  r.requested(request('a', { 0: '1' }));
  await r.runDue();
  assert.deepEqual(calls, []);
});
