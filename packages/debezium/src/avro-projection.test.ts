import assert from 'node:assert/strict';
import { test } from 'node:test';
import { avroTypeForSchema } from './avro-long.js';
import { projectEnvelopeReader } from './avro-projection.js';

// Shaped as Debezium's PostgreSQL connector registers its envelopes: `Value` defined in `before` and
// referenced by `after`, a Source record with more fields than pgshift reads, a transaction block.
const envelopeSchema = {
  type: 'record',
  name: 'Envelope',
  namespace: 'pgshift.app.accounts',
  fields: [
    {
      name: 'before',
      type: [
        'null',
        {
          type: 'record',
          name: 'Value',
          fields: [
            { name: 'id', type: 'long' },
            { name: 'name', type: ['null', 'string'], default: null },
          ],
        },
      ],
      default: null,
    },
    { name: 'after', type: ['null', 'Value'], default: null },
    {
      name: 'source',
      type: {
        type: 'record',
        name: 'Source',
        namespace: 'io.debezium.connector.postgresql',
        fields: [
          { name: 'version', type: 'string' },
          { name: 'connector', type: 'string' },
          { name: 'ts_ms', type: 'long' },
          {
            name: 'snapshot',
            type: [{ type: 'enum', name: 'SnapshotRecord', namespace: 'io.debezium.connector.common', symbols: ['true', 'last', 'false'] }, 'null'],
            default: 'false',
          },
          { name: 'db', type: 'string' },
          { name: 'sequence', type: ['null', 'string'], default: null },
          { name: 'ts_us', type: ['null', 'long'], default: null },
          { name: 'ts_ns', type: ['null', 'long'], default: null },
          { name: 'schema', type: 'string' },
          { name: 'table', type: 'string' },
          { name: 'txId', type: ['null', 'long'], default: null },
          { name: 'lsn', type: ['null', 'long'], default: null },
          { name: 'xmin', type: ['null', 'long'], default: null },
        ],
      },
    },
    {
      name: 'transaction',
      type: [
        'null',
        {
          type: 'record',
          name: 'block',
          namespace: 'event',
          fields: [
            { name: 'id', type: 'string' },
            { name: 'total_order', type: 'long' },
          ],
        },
      ],
      default: null,
    },
    { name: 'op', type: 'string' },
    { name: 'ts_ms', type: ['null', 'long'], default: null },
    { name: 'ts_us', type: ['null', 'long'], default: null },
    { name: 'ts_ns', type: ['null', 'long'], default: null },
  ],
};

const event = {
  before: null,
  after: { id: 9_007_199_254_740_993n, name: 'Zoë' },
  source: {
    version: '3.2.0.Final',
    connector: 'postgresql',
    ts_ms: 1_700_000_000_123n,
    snapshot: 'false',
    db: 'app',
    sequence: '["24023928","24023984"]',
    ts_us: 1_700_000_000_123_456n,
    ts_ns: 1_700_000_000_123_456_789n,
    schema: 'public',
    table: 'accounts',
    txId: 771n,
    lsn: 9_223_372_036_854_775_193n,
    xmin: null,
  },
  transaction: { id: '771:24023984', total_order: 1n },
  op: 'c',
  ts_ms: 1_700_000_000_200n,
  ts_us: null,
  ts_ns: null,
};

test('the projected reader decodes only what a change event needs, with the same values as the full schema', () => {
  const writer = avroTypeForSchema(envelopeSchema);
  const body = writer.toBuffer(event);
  const full = writer.fromBuffer(body) as Record<string, Record<string, unknown>>;
  const reader = projectEnvelopeReader(envelopeSchema, writer);
  assert.ok(reader);

  const { value, offset } = reader.type.decode(body, 0, reader.resolver);
  assert.equal(offset, body.length);
  const projected = value as Record<string, Record<string, unknown>>;
  assert.deepEqual(Object.keys(projected).sort(), ['after', 'before', 'op', 'source']);
  assert.deepEqual(Object.keys(projected.source!).sort(), ['lsn', 'schema', 'snapshot', 'table', 'ts_ms', 'ts_us', 'txId']);
  for (const field of ['lsn', 'schema', 'snapshot', 'table', 'ts_ms', 'ts_us', 'txId']) {
    assert.deepEqual(projected.source![field], full.source![field], field);
  }
  assert.deepEqual({ ...projected.after }, { ...full.after });
  assert.equal(projected.before, null);
  assert.equal(projected.op, 'c');
  assert.equal(projected.source!.lsn, 9_223_372_036_854_775_193n);
});

test('a schema that is not a record gets no projection', () => {
  assert.equal(projectEnvelopeReader('string', avroTypeForSchema('string')), null);
});
