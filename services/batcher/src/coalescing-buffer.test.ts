import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UNCHANGED, type ColumnSpec } from '@pgshift/contracts';
import { CoalescingBuffer, type IncomingChange } from './coalescing-buffer.js';

const columns: ColumnSpec[] = [
  { name: 'id', sourceType: 'int4', nullable: false, primaryKey: true },
  { name: 'name', sourceType: 'text', nullable: true, primaryKey: false },
  { name: 'doc', sourceType: 'text', nullable: true, primaryKey: false },
];

let lsn = 100n;
function change(op: IncomingChange['op'], id: number | null, values: IncomingChange['values']): IncomingChange {
  lsn += 8n;
  return { op, key: id === null ? null : JSON.stringify([String(id)]), values, lsn, sourceTsUs: lsn * 1000n };
}

test('ten updates of one row become one row holding the last image', () => {
  const buffer = new CoalescingBuffer(columns, 'f');
  buffer.add(change('c', 1, ['1', 'v0', 'doc']), 0, 0);
  for (let i = 1; i <= 10; i++) buffer.add(change('u', 1, ['1', `v${i}`, 'doc']), 0, i);
  const rows = [...buffer.rows()];
  assert.equal(rows.length, 1);
  assert.deepEqual(buffer.valuesOf(rows[0]!), ['1', 'v10', 'doc']);
  assert.equal(rows[0]!.offset, 10);
  assert.equal(rows[0]!.op, 'c', 'inserted then updated is still an insert');
  assert.equal(buffer.events, 11);
});

test('a delete replaces earlier changes of its key, and a re-insert replaces the delete', () => {
  const buffer = new CoalescingBuffer(columns, 'f');
  buffer.add(change('u', 1, ['1', 'a', 'x']), 2, 5);
  buffer.add(change('d', 1, ['1', null, null]), 2, 6);
  assert.deepEqual([...buffer.rows()].map((r) => r.op), ['d']);
  buffer.add(change('c', 1, ['1', 'b', 'y']), 2, 7);
  assert.deepEqual([...buffer.rows()].map((r) => [r.op, buffer.valuesOf(r)[1]]), [['c', 'b']]);
  assert.deepEqual(buffer.rowsByOp(), { c: 1, u: 0, d: 0, r: 0 });
});

test('an unchanged TOAST value is taken from an earlier event of the same key', () => {
  const buffer = new CoalescingBuffer(columns, 'f');
  buffer.add(change('c', 1, ['1', 'a', 'big document']), 0, 1);
  buffer.add(change('u', 1, ['1', 'b', UNCHANGED]), 0, 2);
  assert.deepEqual(buffer.valuesOf([...buffer.rows()][0]!), ['1', 'b', 'big document']);
});

test('an unchanged TOAST value with no earlier event stays unchanged, for the loader to keep', () => {
  const buffer = new CoalescingBuffer(columns, 'f');
  buffer.add(change('u', 1, ['1', 'b', UNCHANGED]), 0, 2);
  buffer.add(change('u', 1, ['1', 'c', UNCHANGED]), 0, 3);
  assert.deepEqual(buffer.valuesOf([...buffer.rows()][0]!), ['1', 'c', UNCHANGED]);
});

test('an update after a delete does not resurrect values from before the delete', () => {
  const buffer = new CoalescingBuffer(columns, 'f');
  buffer.add(change('c', 1, ['1', 'a', 'old doc']), 0, 1);
  buffer.add(change('d', 1, ['1', null, null]), 0, 2);
  buffer.add(change('u', 1, ['1', 'b', UNCHANGED]), 0, 3);
  assert.deepEqual(buffer.valuesOf([...buffer.rows()][0]!), ['1', 'b', UNCHANGED]);
});

test('tables without a primary key keep every change in order', () => {
  const buffer = new CoalescingBuffer(columns, 'f');
  buffer.add(change('c', null, ['1', 'a', null]), 0, 1);
  buffer.add(change('c', null, ['1', 'a', null]), 0, 2);
  buffer.add(change('c', null, ['2', 'b', null]), 1, 1);
  assert.deepEqual([...buffer.rows()].map((r) => [r.partition, r.offset]), [[0, 1], [0, 2], [1, 1]]);
  assert.equal(buffer.rowCount, 3);
});

test('offset ranges cover every consumed message per partition, skipped ones included', () => {
  const buffer = new CoalescingBuffer(columns, 'f');
  assert.ok(buffer.isEmpty);
  buffer.add(change('c', 1, ['1', 'a', null]), 1, 40);
  buffer.skip(1, 41);
  buffer.add(change('c', 2, ['2', 'a', null]), 0, 7);
  buffer.skip(2, 3);
  assert.deepEqual(buffer.offsetRanges(), [
    { partition: 0, first: 7, last: 7 },
    { partition: 1, first: 40, last: 41 },
    { partition: 2, first: 3, last: 3 },
  ]);
  assert.equal(buffer.rowCount, 2);
});

test('buffered bytes are the memory really held: small for a few rows, records replaced by later changes included', () => {
  const buffer = new CoalescingBuffer(columns, 'f');
  buffer.add(change('c', 1, ['1', 'x'.repeat(1000), null]), 0, 1);
  assert.ok(buffer.bytes < 32 * 1024, `one row holds ${buffer.bytes} bytes`);
  for (let i = 2; i <= 2000; i++) buffer.add(change('u', 1, ['1', 'y'.repeat(1000), null]), 0, i);
  assert.equal(buffer.rowCount, 1);
  // 2,000 records of about 1,050 bytes each were written; the arena does not reuse replaced ones.
  assert.ok(buffer.bytes >= 2_000 * 1_000, `${buffer.bytes} bytes`);
  assert.ok(buffer.bytes < 2 * 2_000 * 1_100, `${buffer.bytes} bytes`);
  assert.equal(buffer.valuesOf([...buffer.rows()][0]!)[1], 'y'.repeat(1000));
});
