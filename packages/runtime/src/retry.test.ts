import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withRetry } from './retry.js';

test('a transient failure is retried as often as needed when retries are unbounded', async () => {
  let attempts = 0;
  const result = await withRetry(
    async () => {
      if (++attempts < 12) throw new Error('not yet');
      return 'done';
    },
    { what: 'a flaky call', retries: Number.POSITIVE_INFINITY, minTimeoutMs: 1, maxTimeoutMs: 2, isRetryable: () => true },
  );
  assert.equal(result, 'done');
  assert.equal(attempts, 12);
});

test('a permanent failure is thrown at once, without retrying', async () => {
  let attempts = 0;
  await assert.rejects(
    withRetry(
      async () => {
        attempts++;
        throw new Error('bad input');
      },
      { what: 'a call', retries: Number.POSITIVE_INFINITY, minTimeoutMs: 1, isRetryable: () => false },
    ),
    /bad input/,
  );
  assert.equal(attempts, 1);
});
