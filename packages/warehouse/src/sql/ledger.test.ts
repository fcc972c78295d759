import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCoveredByLedger } from './ledger.js';

const ranges = [{ partition: 0, first: 5, last: 9 }, { partition: 2, first: 1, last: 3 }];

test('a batch is covered when every partition of it is at or below the ledger', () => {
  assert.equal(isCoveredByLedger(ranges, new Map([[0, 9n], [2, 3n]])), true);
  assert.equal(isCoveredByLedger(ranges, new Map([[0, 100n], [2, 50n]])), true, 'an older batch after a newer one');
});

test('a batch is not covered when any partition is ahead of the ledger or unknown to it', () => {
  assert.equal(isCoveredByLedger(ranges, new Map([[0, 9n], [2, 2n]])), false);
  assert.equal(isCoveredByLedger(ranges, new Map([[0, 9n]])), false);
  assert.equal(isCoveredByLedger([], new Map()), false, 'a batch without offsets is never skipped');
});
