import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BATCH_READY_AVRO_SCHEMA, type BatchReady, batchReadyFromAvro, batchReadyToAvro } from '@pgshift/contracts';
import { avroTypeForSchema } from './avro-long.js';

/**
 * The batch-ready event's TypeScript type, Avro schema and converters (@pgshift/contracts) are kept in
 * step by hand: an event survives the trip through the Avro types the registry client uses (longs as
 * BigInt) exactly, every field included, and the sample below sets every field the schema has.
 */
const type = avroTypeForSchema(BATCH_READY_AVRO_SCHEMA);

const everyField: BatchReady = {
  batchId: '2024-05-01T12-00-00-000Z-7f3a',
  kind: 'rows',
  table: { topic: 'pgshift.shop.orders', schema: 'shop', table: 'orders' },
  createdAtMs: 1_714_564_800_123,
  manifestUrl: 's3://pgshift/batches/shop.orders/2024/05/01/b1/manifest.json',
  files: [
    { url: 's3://pgshift/batches/shop.orders/2024/05/01/b1/part-00000.csv.gz', bytes: 2 ** 40 + 7, rows: 100_000 },
    { url: 's3://pgshift/batches/shop.orders/2024/05/01/b1/part-00001.csv.gz', bytes: 12, rows: 1 },
  ],
  rowCount: 100_001,
  rowsByOp: { c: 70_000, u: 29_000, d: 1_000, r: 1 },
  eventCount: 130_000,
  columns: [
    { name: 'id', sourceType: 'int8', nullable: false, primaryKey: true, length: 19, scale: 0 },
    {
      name: 'total',
      sourceType: 'numeric',
      nullable: true,
      primaryKey: false,
      length: 12,
      scale: 2,
      semanticType: 'org.apache.kafka.connect.data.Decimal',
      defaultValue: '0.00',
    },
    { name: 'note', sourceType: 'text', nullable: true, primaryKey: false },
  ],
  schemaFingerprint: 'c0ffee0123456789',
  offsets: [
    { partition: 0, first: 0, last: 41 },
    { partition: 2, first: Number.MAX_SAFE_INTEGER - 1, last: Number.MAX_SAFE_INTEGER },
  ],
  lsnRange: { min: '23456789', max: '18446744073709551615' },
  sourceTimeRange: { minMs: 1_714_564_790_000, maxMs: 1_714_564_799_999 },
  oversizedValues: [{ column: 'note', count: 3, maxBytes: 70_000 }],
  producer: 'batcher-1',
  stagingColumns: [
    '_pgshift_op',
    '_pgshift_lsn',
    '_pgshift_source_ts',
    '_pgshift_partition',
    '_pgshift_offset',
    '_pgshift_unchanged',
    '_pgshift_tx_lsn',
    '_pgshift_old_key',
  ],
  txLsnRange: { min: '23456700', max: '18446744073709551615' },
  keyChanges: 3,
};

const fewestFields: BatchReady = {
  batchId: 'b2',
  kind: 'truncate',
  table: { topic: 'pgshift.public.t', schema: 'public', table: 't' },
  createdAtMs: 0,
  manifestUrl: null,
  files: [],
  rowCount: 0,
  rowsByOp: { c: 0, u: 0, d: 0, r: 0 },
  eventCount: 1,
  columns: [{ name: 'id', sourceType: 'int4', nullable: false, primaryKey: true }],
  schemaFingerprint: 'f',
  offsets: [{ partition: 1, first: 9, last: 9 }],
  lsnRange: null,
  sourceTimeRange: null,
  oversizedValues: [],
  producer: 'batcher-2',
};

function roundTrip(event: BatchReady): BatchReady {
  return batchReadyFromAvro(type.fromBuffer(type.toBuffer(batchReadyToAvro(event))) as Record<string, unknown>);
}

describe('the batch-ready event through Avro', () => {
  it('comes back exactly, with every field and every optional one set', () => {
    assert.deepStrictEqual(roundTrip(everyField), everyField);
  });

  it('comes back exactly with every optional field absent or null', () => {
    assert.deepStrictEqual(roundTrip(fewestFields), fewestFields);
  });

  it('the first sample sets every field of the schema, and of its column records', () => {
    const schemaFields = BATCH_READY_AVRO_SCHEMA.fields.map((f) => f.name);
    assert.deepEqual(Object.keys(everyField).sort(), [...schemaFields].sort(), 'a field added to the schema needs a value here');
    const columnFields = (BATCH_READY_AVRO_SCHEMA.fields.find((f) => f.name === 'columns')!.type as { items: { fields: readonly { name: string }[] } }).items
      .fields;
    assert.deepEqual(Object.keys(everyField.columns[1]!).sort(), columnFields.map((f) => f.name).sort());
  });

  it('longs are 64-bit on the wire: a value beyond 2^53 is refused on the way back, not rounded', () => {
    const record = batchReadyToAvro(fewestFields);
    const buffer = type.toBuffer({ ...record, rowCount: 2n ** 60n });
    assert.throws(() => batchReadyFromAvro(type.fromBuffer(buffer) as Record<string, unknown>), /not a safe integer/);
  });
});
