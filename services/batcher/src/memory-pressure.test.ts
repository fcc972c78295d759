import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '@pgshift/runtime';
import { Registry } from 'prom-client';
import { MemoryPressure } from './memory-pressure.js';
import { createBatcherMetrics } from './metrics.js';

/** Tables of fixed sizes: sealing one is recorded; flushing frees bytes as the test says. */
function fakeTables(sizes: Record<string, number>) {
  const tables = Object.entries(sizes).map(([name, bytes]) => ({
    name,
    bufferedBytes: bytes,
    sealed: false,
    seal() {
      this.sealed = true;
    },
  }));
  return {
    list: tables,
    all: () => tables,
    get bufferedBytes() {
      return tables.reduce((sum, t) => sum + t.bufferedBytes, 0);
    },
    /** A flushed table holds nothing any more. */
    free(name: string) {
      tables.find((t) => t.name === name)!.bufferedBytes = 0;
    },
  };
}

function setup(sizes: Record<string, number>, budgetBytes = 1000) {
  const tables = fakeTables(sizes);
  const { paused } = createBatcherMetrics(new Registry());
  let finishFlush!: () => void;
  let flushes = 0;
  const flushAll = () => {
    flushes++;
    return new Promise<void>((resolve) => (finishFlush = resolve));
  };
  let heartbeats = 0;
  const heartbeat = async () => void heartbeats++;
  const memory = new MemoryPressure({ budgetBytes, tables, flushAll, paused, logger: createLogger('test', 'silent'), pollMs: 5 });
  const pausedValue = async () => (await paused.get()).values[0]?.value ?? 0;
  return { tables, memory, heartbeat, pausedValue, finish: () => finishFlush(), counts: () => ({ flushes, heartbeats }) };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 15));
/** Fails instead of hanging when consumption never resumes. */
const resumes = (relief: Promise<unknown>) =>
  Promise.race([relief, new Promise((_, reject) => setTimeout(() => reject(new Error('consumption did not resume')), 2000).unref())]);

test('under the budget consumption goes on: nothing is sealed or flushed', async () => {
  const { tables, memory, heartbeat, counts } = setup({ a: 600, b: 400 });
  await memory.relieveIfOverBudget(heartbeat);
  assert.deepEqual(counts(), { flushes: 0, heartbeats: 0 });
  assert.equal(
    tables.list.some((t) => t.sealed),
    false,
  );
});

test('over the budget consumption pauses, every table is sealed, and it resumes under three quarters before the flush ends', async (t) => {
  const { tables, memory, heartbeat, pausedValue, finish, counts } = setup({ small: 200, large: 500, medium: 400 });
  t.after(finish);
  let resumed = false;
  const relief = memory.relieveIfOverBudget(heartbeat).then(() => (resumed = true));
  await tick();
  // A sealed batch counts until it is written: sealing frees nothing by itself, so every table is sealed.
  assert.deepEqual(
    tables.list.filter((t) => t.sealed).map((t) => t.name),
    ['small', 'large', 'medium'],
  );
  assert.equal(await pausedValue(), 1);
  assert.equal(resumed, false);
  tables.free('large'); // 600 of 1000 buffered: over half, under three quarters, the flush still under way
  await resumes(relief);
  assert.equal(await pausedValue(), 0);
  assert.equal(counts().flushes, 1);
  assert.ok(counts().heartbeats >= 1, 'the consumer heartbeats while it waits');
});

test('between three quarters and the budget, consumption stays paused until the flush frees enough or ends', async (t) => {
  const { tables, memory, heartbeat, pausedValue, finish, counts } = setup({ a: 1100 });
  t.after(finish);
  let resumed = false;
  const relief = memory.relieveIfOverBudget(heartbeat).then(() => (resumed = true));
  await tick();
  tables.list[0]!.bufferedBytes = 800; // part written: still over three quarters
  await tick();
  assert.equal(resumed, false);
  assert.equal(await pausedValue(), 1);
  const beats = counts().heartbeats;
  await tick();
  assert.ok(counts().heartbeats > beats, 'heartbeats go on while paused');
  finish(); // the flush ends (what is left is open again, or new)
  await resumes(relief);
  assert.equal(await pausedValue(), 0);
});
