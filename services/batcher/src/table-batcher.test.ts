import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ColumnSpec, schemaFingerprint, type TableRef } from '@pgshift/contracts';
import type { IncomingChange } from './coalescing-buffer.js';
import type { FlushLimits } from './config.js';
import type { SealedBatch } from './sealed-batch.js';
import { TableBatcher } from './table-batcher.js';

// Debezium publishes "dup name" and "dup_name" on one topic, `pgshift.app.dup_name`.
const topic = 'pgshift.app.dup_name';
const spaced: TableRef = { topic, schema: 'app', table: 'dup name' };
const underscored: TableRef = { topic, schema: 'app', table: 'dup_name' };
const columns: ColumnSpec[] = [
  { name: 'id', sourceType: 'int4', nullable: false, primaryKey: true },
  { name: 'v', sourceType: 'text', nullable: true, primaryKey: false },
];
const fingerprint = schemaFingerprint(columns);
const defaults: FlushLimits = { rows: 1000, bytes: 1 << 30, ageMs: 60_000 };

function change(id: number, v: string): IncomingChange {
  return { op: 'c', key: JSON.stringify([String(id)]), values: [String(id), v], lsn: BigInt(id), sourceTsUs: 0n };
}

/** A TableBatcher whose sealed batches are written into `written` when flushed. */
function batcher(overrides: Record<string, Partial<FlushLimits>> = {}) {
  const table = new TableBatcher(
    topic,
    (ref) => ({ ...defaults, ...overrides[`${ref.schema}.${ref.table}`] }),
    () => {},
  );
  const written: SealedBatch[] = [];
  const flush = () => table.flush(async (batch) => void written.push(batch));
  return { table, written, flush };
}

const rowsOf = (batch: SealedBatch) => [...batch.buffer.rows()].map((r) => batch.buffer.valuesOf(r)[1]);

test('two source tables on one topic never share a batch, even with equal column lists and keys', async () => {
  const { table, written, flush } = batcher();
  table.add(spaced, columns, fingerprint, change(1, 'space'), 0, 0);
  table.add(underscored, columns, fingerprint, change(1, 'underscore'), 0, 1);
  table.add(underscored, columns, fingerprint, change(2, 'underscore'), 0, 2);
  table.add(spaced, columns, fingerprint, change(2, 'space'), 0, 3);
  table.seal();
  await flush();
  assert.deepEqual(
    written.map((b) => [b.table.table, rowsOf(b)]),
    [
      ['dup name', ['space']],
      ['dup_name', ['underscore', 'underscore']],
      ['dup name', ['space']],
    ],
  );
  assert.deepEqual(
    written.map((b) => b.buffer.offsetRanges()[0]),
    [
      { partition: 0, first: 0, last: 0 },
      { partition: 0, first: 1, last: 2 },
      { partition: 0, first: 3, last: 3 },
    ],
  );
});

test('a truncate of the other table sends the open rows out under their own table first', async () => {
  const { table, written, flush } = batcher();
  table.add(spaced, columns, fingerprint, change(1, 'space'), 0, 0);
  table.truncate(underscored, 5n, 5n, 0n, 0, 1);
  await flush();
  assert.deepEqual(
    written.map((b) => [b.kind, b.table.table]),
    [
      ['rows', 'dup name'],
      ['truncate', 'dup_name'],
    ],
  );
});

test('flush limits are those of the source table the events name, not of the topic name', async () => {
  const { table, written, flush } = batcher({ 'app.dup name': { rows: 2 } });
  for (let id = 1; id <= 5; id++) table.add(spaced, columns, fingerprint, change(id, 'space'), 0, id);
  table.seal();
  await flush();
  assert.deepEqual(
    written.map((b) => b.buffer.rowCount),
    [2, 2, 1],
  );
});

test('a flush with nothing sealed ends, and the next sealed batch is flushed', async () => {
  // A flush can be started for a table whose batches another flush already wrote (a slot freed late).
  const { table, written, flush } = batcher();
  await flush();
  assert.equal(table.isFlushing, false, 'an empty flush does not leave the table marked as flushing');
  table.add(spaced, columns, fingerprint, change(1, 'a'), 0, 0);
  table.seal();
  await flush();
  assert.deepEqual(written.map(rowsOf), [['a']]);
  assert.equal(table.isFlushing, false);
});
