import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ColumnSpec, META, STAGING_META_COLUMNS, UNCHANGED } from '@pgshift/contracts';
import { decodeRecord, recordText } from '@pgshift/csv';
import { type BufferedRow, CoalescingBuffer, type IncomingChange } from './coalescing-buffer.js';

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
  assert.deepEqual(
    [...buffer.rows()].map((r) => r.op),
    ['d'],
  );
  buffer.add(change('c', 1, ['1', 'b', 'y']), 2, 7);
  assert.deepEqual(
    [...buffer.rows()].map((r) => [r.op, buffer.valuesOf(r)[1]]),
    [['c', 'b']],
  );
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
  assert.deepEqual(
    [...buffer.rows()].map((r) => [r.partition, r.offset]),
    [
      [0, 1],
      [0, 2],
      [1, 1],
    ],
  );
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

function at(
  op: IncomingChange['op'],
  id: number,
  values: IncomingChange['values'],
  txLsn: bigint,
  changeLsn: bigint,
  extra: Partial<IncomingChange> = {},
): IncomingChange {
  return { op, key: String(id), values, lsn: changeLsn, txLsn, sourceTsUs: changeLsn * 1000n, ...extra };
}

function metaOf(_buffer: CoalescingBuffer, row: BufferedRow): Record<string, string | null> {
  const fields = decodeRecord(recordText(row)).slice(columns.length);
  return Object.fromEntries(STAGING_META_COLUMNS.map((name, i) => [name, fields[i] as string | null]));
}

test("an older image consumed later (a re-driven change) does not replace the key's newer one, but its offset is covered", () => {
  const buffer = new CoalescingBuffer(columns, 'f');
  buffer.add(at('u', 1, ['1', 'new', 'd'], 500n, 520n), 0, 10);
  buffer.add(at('u', 1, ['1', 'old', 'd'], 300n, 320n), 0, 11);
  const [row] = [...buffer.rows()];
  assert.deepEqual(buffer.valuesOf(row!), ['1', 'new', 'd']);
  assert.equal(row!.offset, 10);
  assert.deepEqual(buffer.offsetRanges(), [{ partition: 0, first: 10, last: 11 }]);
  assert.equal(buffer.events, 2);
});

test('positions order transactions by the commit before them, then changes by LSN, not by change LSN alone', () => {
  // A transaction that wrote at LSN 900 but committed after one that wrote at 950 comes later in the stream.
  const buffer = new CoalescingBuffer(columns, 'f');
  buffer.add(at('u', 1, ['1', 'committed later', 'd'], 1000n, 900n), 1, 5);
  buffer.add(at('u', 1, ['1', 'committed first', 'd'], 800n, 950n), 2, 5);
  assert.deepEqual(buffer.valuesOf([...buffer.rows()][0]!), ['1', 'committed later', 'd']);
});

test('a stale delete does not delete a newer image, and a stale image does not resurrect a newer delete', () => {
  const first = new CoalescingBuffer(columns, 'f');
  first.add(at('c', 1, ['1', 'back', 'd'], 700n, 710n), 0, 2);
  first.add(at('d', 1, ['1', null, null], 500n, 510n), 0, 3);
  assert.deepEqual(
    [...first.rows()].map((r) => r.op),
    ['c'],
  );
  const second = new CoalescingBuffer(columns, 'f');
  second.add(at('d', 1, ['1', null, null], 700n, 710n), 0, 2);
  second.add(at('u', 1, ['1', 'ghost', 'd'], 500n, 510n), 0, 3);
  assert.deepEqual(
    [...second.rows()].map((r) => r.op),
    ['d'],
  );
});

test('a snapshot read at the same position as a streamed change never replaces it; a later read does', () => {
  const buffer = new CoalescingBuffer(columns, 'f');
  buffer.add(at('u', 1, ['1', 'streamed', 'd'], 500n, 520n), 0, 1);
  buffer.add(at('r', 1, ['1', 'read', 'd'], 500n, 520n), 0, 2);
  assert.deepEqual(buffer.valuesOf([...buffer.rows()][0]!), ['1', 'streamed', 'd']);
  buffer.add(at('r', 1, ['1', 'read later', 'd'], 600n, 620n), 0, 3);
  assert.deepEqual(buffer.valuesOf([...buffer.rows()][0]!), ['1', 'read later', 'd']);
});

test("a row's position travels in the staging record: lsn and tx lsn", () => {
  const buffer = new CoalescingBuffer(columns, 'f');
  buffer.add(at('c', 1, ['1', 'a', 'd'], 400n, 432n), 0, 1);
  const meta = metaOf(buffer, [...buffer.rows()][0]!);
  assert.equal(meta[META.lsn], '432');
  assert.equal(meta[META.txLsn], '400');
  assert.equal(meta[META.oldKey], null);
});

test('a delete keeps the last known image: the update before it in the batch, not the key-only before image', () => {
  const buffer = new CoalescingBuffer(columns, 'f');
  buffer.add(at('c', 1, ['1', 'inserted', 'doc'], 100n, 110n), 0, 1);
  buffer.add(at('u', 1, ['1', 'updated', UNCHANGED], 200n, 210n), 0, 2);
  buffer.add(at('d', 1, ['1', null, UNCHANGED], 300n, 310n), 0, 3);
  const [row] = [...buffer.rows()];
  assert.equal(row!.op, 'd');
  assert.deepEqual(buffer.valuesOf(row!), ['1', 'updated', 'doc']);
});

test('a delete with no earlier image marks every column but the key unchanged: its before image may hold defaults, not values', () => {
  const buffer = new CoalescingBuffer(columns, 'f');
  // REPLICA IDENTITY DEFAULT: Debezium fills the columns the old tuple lacks with NULL or their default.
  buffer.add(at('d', 1, ['1', 'column default', null], 300n, 310n), 0, 3);
  assert.deepEqual(buffer.valuesOf([...buffer.rows()][0]!), ['1', UNCHANGED, UNCHANGED]);
});

test("a primary-key change takes unchanged TOAST values from the old key's image in the batch", () => {
  const buffer = new CoalescingBuffer(columns, 'f');
  buffer.add(at('u', 1, ['1', 'a', 'big document'], 100n, 110n), 0, 1);
  buffer.add(at('d', 1, ['1', null, null], 200n, 210n), 0, 2);
  buffer.add(at('c', 1001, ['1001', 'a', UNCHANGED], 200n, 210n, { oldKey: '1' }), 1, 7);
  const created = [...buffer.rows()].find((r) => r.op === 'c')!;
  assert.deepEqual(buffer.valuesOf(created), ['1001', 'a', 'big document']);
  assert.equal(metaOf(buffer, created)[META.oldKey], null, 'nothing left for the loader to carry');
});

test('a primary-key change whose old key has no image in the batch hands the old key to the loader', () => {
  const buffer = new CoalescingBuffer(columns, 'f');
  buffer.add(at('d', 1, ['1', null, null], 200n, 210n), 0, 2);
  buffer.add(at('c', 1001, ['1001', 'a', UNCHANGED], 200n, 210n, { oldKey: '1' }), 1, 7);
  const created = [...buffer.rows()].find((r) => r.op === 'c')!;
  assert.deepEqual(buffer.valuesOf(created), ['1001', 'a', UNCHANGED]);
  assert.equal(metaOf(buffer, created)[META.oldKey], '1');
});

test('a primary-key change does not take values from an old key inserted again after it', () => {
  const buffer = new CoalescingBuffer(columns, 'f');
  buffer.add(at('c', 1, ['1', 'new row', 'other document'], 300n, 310n), 0, 9);
  buffer.add(at('c', 1001, ['1001', 'a', UNCHANGED], 200n, 210n, { oldKey: '1' }), 1, 7);
  const created = [...buffer.rows()].find((r) => buffer.valuesOf(r)[0] === '1001')!;
  assert.deepEqual(buffer.valuesOf(created), ['1001', 'a', UNCHANGED]);
});

test('the transaction positions of every change added, stale and replaced ones included, make the batch range', () => {
  const buffer = new CoalescingBuffer(columns, 'f');
  assert.equal(buffer.txLsnRange(), null);
  buffer.add({ ...change('c', 1, ['1', 'a', 'doc']), txLsn: 500n }, 0, 0);
  buffer.add({ ...change('u', 1, ['1', 'b', 'doc']), txLsn: 700n }, 0, 1);
  buffer.add({ ...change('u', 1, ['1', 'stale', 'doc']), txLsn: 300n }, 1, 0);
  const withoutPosition = change('c', 2, ['2', 'no tx position: its LSN stands in', 'doc']);
  buffer.add(withoutPosition, 1, 1);
  assert.deepEqual(buffer.txLsnRange(), { min: 300n, max: withoutPosition.lsn });
});

test("the delete of a primary-key change's old key carries the new key, for the loader to keep its values; other rows carry none", () => {
  const buffer = new CoalescingBuffer(columns, 'f');
  buffer.add(at('d', 1, ['1', null, null], 200n, 210n, { newKey: '1001' }), 0, 2);
  buffer.add(at('c', 2, ['2', 'b', 'doc'], 220n, 230n, { newKey: '1002' }), 0, 3);
  const rows = [...buffer.rows()];
  assert.equal(metaOf(buffer, rows.find((r) => r.op === 'd')!)[META.newKey], '1001');
  assert.equal(metaOf(buffer, rows.find((r) => r.op === 'c')!)[META.newKey], null);
});

test('the batch counts its rows that are one side of a primary-key change with values still to carry', () => {
  const buffer = new CoalescingBuffer(columns, 'f');
  buffer.add(at('d', 1, ['1', null, null], 200n, 210n, { newKey: '1001' }), 0, 2);
  buffer.add(at('c', 1001, ['1001', 'a', UNCHANGED], 200n, 210n, { oldKey: '1' }), 1, 7);
  buffer.add(at('c', 2, ['2', 'b', 'doc'], 220n, 230n), 0, 3);
  assert.equal(buffer.keyChanges(), 2);
  buffer.add(at('u', 1001, ['1001', 'b', 'new doc'], 240n, 250n), 1, 8);
  assert.equal(buffer.keyChanges(), 1, 'a later full image of the new key carries nothing');
});
