import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PartitionProgress } from './partition-progress.js';

test('the committable offset only moves past a contiguous run of applied batches', () => {
  const progress = new PartitionProgress();
  for (const offset of [10, 11, 12, 13]) progress.start(offset);
  assert.equal(progress.complete(12), null, 'a later batch done first commits nothing');
  assert.equal(progress.complete(11), null);
  assert.equal(progress.complete(10), 13, 'once 10 is done, 10..12 are committable: next offset 13');
  assert.equal(progress.pending, 1);
  assert.equal(progress.complete(13), 14);
  assert.equal(progress.pending, 0);
});

test('completing an unknown offset changes nothing', () => {
  const progress = new PartitionProgress();
  progress.start(5);
  assert.equal(progress.complete(4), null);
  assert.equal(progress.complete(5), 6);
});

test('a parked batch holds the committable offset back without counting as pending work', () => {
  const progress = new PartitionProgress();
  for (const offset of [20, 21, 22]) progress.start(offset);
  progress.park(20);
  assert.equal(progress.pending, 2);
  assert.equal(progress.parked, 1);
  assert.equal(progress.complete(21), null, 'applied after a parked batch: not committable');
  assert.equal(progress.complete(22), null);
  assert.equal(progress.pending, 0);
  assert.equal(progress.complete(20), 23, 'the parked batch applied at last releases the rest');
  assert.equal(progress.parked, 0);
});
