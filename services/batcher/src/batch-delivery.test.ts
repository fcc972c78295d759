import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BatchReady, PartitionRange } from '@pgshift/contracts';
import { createLogger } from '@pgshift/runtime';
import { Registry } from 'prom-client';
import { BatchDelivery } from './batch-delivery.js';
import { CoalescingBuffer } from './coalescing-buffer.js';
import { createBatcherMetrics } from './metrics.js';
import type { SealedBatch } from './sealed-batch.js';

const table = { topic: 'pgshift.app.items', schema: 'app', table: 'items' };

function rowsBatch(rows: number): SealedBatch {
  const buffer = new CoalescingBuffer([{ name: 'id', sourceType: 'int4', nullable: false, primaryKey: true }], 'f');
  for (let id = 0; id < rows; id++) buffer.add({ op: 'c', key: String(id), values: [String(id)], lsn: 1n, sourceTsUs: 0n }, 0, id);
  buffer.skip(0, rows); // a tombstone after the rows
  return { kind: 'rows', id: 'b1', table, buffer, sealedAt: 0 };
}

function setup(options: { failAnnounce?: boolean } = {}) {
  const steps: string[] = [];
  const commits: PartitionRange[][] = [];
  const delivery = new BatchDelivery({
    writer: {
      write: async (batch) => {
        steps.push('write');
        return { batchId: batch.id, kind: batch.kind, rowCount: batch.buffer.rowCount, files: [{ bytes: 10 }], offsets: [] } as unknown as BatchReady;
      },
    },
    announcer: {
      announce: async () => {
        steps.push('announce');
        if (options.failAnnounce) throw new Error('Kafka away');
      },
    },
    commit: async (_topic, ranges) => {
      steps.push('commit');
      commits.push([...ranges]);
    },
    metrics: createBatcherMetrics(new Registry()),
    logger: createLogger('test', 'silent'),
  });
  return { delivery, steps, commits };
}

test('files are written, then the batch announced, and only then its offsets committed', async () => {
  const { delivery, steps, commits } = setup();
  await delivery.deliver(rowsBatch(3));
  assert.deepEqual(steps, ['write', 'announce', 'commit']);
  assert.deepEqual(commits, [[{ partition: 0, first: 0, last: 3 }]]);
});

test('a batch that could not be announced commits nothing', async () => {
  const { delivery, steps } = setup({ failAnnounce: true });
  await assert.rejects(delivery.deliver(rowsBatch(3)), /Kafka away/);
  assert.deepEqual(steps, ['write', 'announce']);
});

test('a batch of only tombstones or dead letters writes and announces nothing, but its offsets are committed', async () => {
  const { delivery, steps, commits } = setup();
  await delivery.deliver(rowsBatch(0));
  assert.deepEqual(steps, ['commit']);
  assert.deepEqual(commits, [[{ partition: 0, first: 0, last: 0 }]]);
});
