import assert from 'node:assert/strict';
import { test } from 'node:test';
import { schemaFingerprint, UNCHANGED } from '@pgshift/contracts';
import { DecodeError } from './change-event.js';
import { createChangeEventDecoder } from './decoder.js';
import { createSchemaRegistry } from './registry.js';

// JSON messages shaped exactly as Kafka Connect's JsonConverter (schemas.enable=true) writes Debezium
// events. The registry is never asked for them; Avro decoding is proven end to end in
// test/e2e/debezium-decoding.test.ts against the running registry.

const decoder = createChangeEventDecoder({ registry: createSchemaRegistry('http://127.0.0.1:9/unused') });
const topic = 'pgshift.app.accounts';

const column = (field: string, type: string, extra: Record<string, unknown> = {}, sourceType?: string) => ({
  type,
  optional: true,
  field,
  ...extra,
  ...(sourceType ? { parameters: { '__debezium.source.column.type': sourceType, ...(extra.parameters as object | undefined) } } : {}),
});

const rowFields = [
  {
    type: 'int64',
    optional: false,
    field: 'id',
    parameters: { '__debezium.source.column.type': 'INT8', '__debezium.source.column.length': '19', '__debezium.source.column.scale': '0' },
  },
  column('name', 'string', {}, 'TEXT'),
  column(
    'balance',
    'bytes',
    {
      name: 'org.apache.kafka.connect.data.Decimal',
      version: 1,
      parameters: { scale: '2', '__debezium.source.column.length': '12', '__debezium.source.column.scale': '2' },
    },
    'NUMERIC',
  ),
  column('born', 'int32', { name: 'io.debezium.time.Date', version: 1 }, 'DATE'),
  column('seen', 'int64', { name: 'io.debezium.time.MicroTimestamp', version: 1 }, 'TIMESTAMP'),
  column('photo', 'bytes', {}, 'BYTEA'),
  column('tags', 'array', { items: { type: 'string', optional: true } }, '_TEXT'),
  column('score', 'float64', {}, 'FLOAT8'),
  column('vsd', 'struct', {
    name: 'io.debezium.data.VariableScaleDecimal',
    fields: [
      { type: 'int32', optional: false, field: 'scale' },
      { type: 'bytes', optional: false, field: 'value' },
    ],
  }),
];

const valueSchema = {
  type: 'struct',
  name: 'pgshift.app.accounts.Envelope',
  optional: false,
  fields: [
    { type: 'struct', fields: rowFields, optional: true, name: 'pgshift.app.accounts.Value', field: 'before' },
    { type: 'struct', fields: rowFields, optional: true, name: 'pgshift.app.accounts.Value', field: 'after' },
    {
      type: 'struct',
      optional: false,
      name: 'io.debezium.connector.postgresql.Source',
      field: 'source',
      fields: [
        { type: 'string', optional: false, field: 'schema' },
        { type: 'string', optional: false, field: 'table' },
        { type: 'int64', optional: false, field: 'ts_ms' },
        { type: 'int64', optional: true, field: 'ts_us' },
        { type: 'string', optional: true, name: 'io.debezium.data.Enum', field: 'snapshot' },
        { type: 'int64', optional: true, field: 'txId' },
        { type: 'int64', optional: true, field: 'lsn' },
      ],
    },
    { type: 'string', optional: false, field: 'op' },
    { type: 'int64', optional: true, field: 'ts_ms' },
  ],
};

const keySchema = { type: 'struct', name: 'pgshift.app.accounts.Key', optional: false, fields: [{ type: 'int64', optional: false, field: 'id' }] };

// Raw JSON text, so that numbers beyond 2^53 are written digit for digit as the JsonConverter does.
const SOURCE =
  '{"schema":"app","table":"accounts","ts_ms":1700000000123,"ts_us":1700000000123456,"snapshot":"false","txId":9007199254740993,"lsn":18446744073709551615}';
const ROW =
  '{"id":9007199254740993,"name":"Zoë, \\"quoted\\"\\nline","balance":"+w==","born":-25567,"seen":-1,"photo":"3q2+7w==","tags":["a",null,""],"score":"NaN","vsd":{"scale":3,"value":"AQ=="}}';

function jsonMessage(payload: string, { key = '9007199254740993', schema = valueSchema } = {}) {
  return {
    topic,
    key: Buffer.from(`{"schema":${JSON.stringify(keySchema)},"payload":{"id":${key}}}`),
    value: Buffer.from(`{"schema":${JSON.stringify(schema)},"payload":${payload}}`),
  };
}

test('JSON with schemas: an insert decodes to exact text values, int64 beyond 2^53 included', async () => {
  const event = await decoder.decode(jsonMessage(`{"before":null,"after":${ROW},"source":${SOURCE},"op":"c","ts_ms":1}`));
  assert.ok(event);
  assert.equal(event.op, 'c');
  assert.equal(event.schema, 'app');
  assert.equal(event.table, 'accounts');
  assert.equal(event.lsn, 18446744073709551615n);
  assert.equal(event.txId, 9007199254740993n);
  assert.equal(event.sourceTsUs, 1700000000123456n);
  assert.equal(event.snapshot, false);
  assert.deepEqual(event.values, [
    '9007199254740993',
    'Zoë, "quoted"\nline',
    '-0.05',
    '1900-01-01',
    '1969-12-31 23:59:59.999999',
    'deadbeef',
    '["a",null,""]',
    'NaN',
    '0.001',
  ]);
  assert.equal(event.key, '9007199254740993');
});

test('JSON with schemas: columns come from the row struct, primary key from the key schema, one array per schema', async () => {
  const first = await decoder.decode(jsonMessage(`{"before":null,"after":${ROW},"source":${SOURCE},"op":"c"}`));
  const second = await decoder.decode(jsonMessage(`{"before":null,"after":${ROW},"source":${SOURCE},"op":"u"}`, { key: '2' }));
  assert.ok(first && second);
  assert.equal(first.columns, second.columns, 'same schema, same ColumnSpec array instance');
  assert.deepEqual(first.columns[0], { name: 'id', sourceType: 'int8', length: 19, scale: 0, nullable: false, primaryKey: true });
  assert.deepEqual(first.columns[2], {
    name: 'balance',
    sourceType: 'numeric',
    length: 12,
    scale: 2,
    nullable: true,
    primaryKey: false,
    semanticType: 'org.apache.kafka.connect.data.Decimal',
  });
  assert.equal(first.columns[8]!.sourceType, 'numeric', 'derived from the logical type when the connector does not say');
  assert.equal(first.fingerprint, schemaFingerprint(first.columns));
  assert.equal(second.key, '2');
});

test('a compound key is a JSON array of its texts: distinct keys never share an identity', async () => {
  const compoundKeySchema = { ...keySchema, fields: [...keySchema.fields, { type: 'string', optional: false, field: 'name' }] };
  const decode = (payload: string) =>
    decoder.decode({
      topic,
      key: Buffer.from(`{"schema":${JSON.stringify(compoundKeySchema)},"payload":${payload}}`),
      value: Buffer.from(`{"schema":${JSON.stringify(valueSchema)},"payload":{"before":null,"after":${ROW},"source":${SOURCE},"op":"c"}}`),
    });
  const a = await decode('{"id":1,"name":"2,3"}');
  const b = await decode('{"id":12,"name":"3"}');
  assert.equal(a?.key, '["1","2,3"]');
  assert.notEqual(a?.key, b?.key);
  assert.deepEqual(
    a?.columns.filter((c) => c.primaryKey).map((c) => c.name),
    ['id', 'name'],
  );
});

test('JSON with schemas: a delete takes before; snapshot reads; ts_us falls back to ts_ms', async () => {
  const source = SOURCE.replace(',"ts_us":1700000000123456', '').replace('"snapshot":"false"', '"snapshot":"last"');
  const deleted = await decoder.decode(jsonMessage(`{"before":${ROW},"after":null,"source":${source},"op":"d"}`));
  assert.ok(deleted);
  assert.equal(deleted.values?.[0], '9007199254740993');
  assert.equal(deleted.sourceTsUs, 1700000000123000n);
  assert.equal(deleted.snapshot, true);
});

test('JSON with schemas: the unchanged-TOAST placeholder becomes UNCHANGED', async () => {
  const row = ROW.replace('"name":"Zoë, \\"quoted\\"\\nline"', '"name":"__debezium_unavailable_value"')
    .replace('"photo":"3q2+7w=="', `"photo":"${Buffer.from('__debezium_unavailable_value').toString('base64')}"`)
    .replace('"tags":["a",null,""]', '"tags":["__debezium_unavailable_value"]');
  const event = await decoder.decode(jsonMessage(`{"before":null,"after":${row},"source":${SOURCE},"op":"u"}`));
  assert.equal(event?.values?.[1], UNCHANGED);
  assert.equal(event?.values?.[5], UNCHANGED);
  assert.equal(event?.values?.[6], UNCHANGED);
});

test('tombstones decode to null; truncates carry no values and no key', async () => {
  assert.equal(await decoder.decode({ topic, key: Buffer.from('{"schema":null,"payload":null}'), value: null }), null);
  const truncate = await decoder.decode({ ...jsonMessage(`{"before":null,"after":null,"source":${SOURCE},"op":"t"}`), key: null });
  assert.equal(truncate?.op, 't');
  assert.equal(truncate?.values, null);
  assert.equal(truncate?.key, null);
});

async function decodeError(message: Parameters<typeof decoder.decode>[0]): Promise<DecodeError> {
  try {
    await decoder.decode(message);
  } catch (error) {
    assert.ok(error instanceof DecodeError, `expected a DecodeError, got ${String(error)}`);
    return error;
  }
  assert.fail('decoding should have failed');
}

test('errors: missing after on c/u/r, missing before on d', async () => {
  assert.equal((await decodeError(jsonMessage(`{"before":null,"after":null,"source":${SOURCE},"op":"c"}`))).reason, 'missing-after');
  assert.equal((await decodeError(jsonMessage(`{"before":${ROW},"after":null,"source":${SOURCE},"op":"u"}`))).reason, 'missing-after');
  assert.equal((await decodeError(jsonMessage(`{"before":null,"after":${ROW},"source":${SOURCE},"op":"d"}`))).reason, 'missing-before');
});

test('errors: unknown format, malformed JSON, JSON without schema, unknown op, values of the wrong type', async () => {
  assert.equal((await decodeError({ topic, key: null, value: Buffer.from('garbage') })).reason, 'unknown-format');
  assert.equal((await decodeError({ topic, key: null, value: Buffer.alloc(0) })).reason, 'unknown-format');
  assert.equal((await decodeError({ topic, key: null, value: Buffer.from('{"schema":{"type":"struct"},"payload":{"op":') })).reason, 'malformed-json');
  assert.equal((await decodeError({ topic, key: null, value: Buffer.from('{"before":null,"op":"c"}') })).reason, 'malformed-json');
  assert.equal((await decodeError(jsonMessage(`{"before":null,"after":${ROW},"source":${SOURCE},"op":"x"}`))).reason, 'unknown-op');
  assert.equal(
    (await decodeError(jsonMessage(`{"before":null,"after":${ROW.replace('"born":-25567', '"born":"soon"')},"source":${SOURCE},"op":"c"}`))).reason,
    'malformed-value',
  );
  const heartbeat = { type: 'struct', name: 'io.debezium.connector.common.Heartbeat', fields: [{ type: 'int64', optional: false, field: 'ts_ms' }] };
  assert.equal((await decodeError(jsonMessage('{"ts_ms":1}', { schema: heartbeat as never }))).reason, 'not-a-change-event');
});

const sourceWith = (extra: string) => SOURCE.replace(/}$/, `,${extra}}`);

test('the transaction position is source.sequence[0], the commit before the change; without it the LSN stands in', async () => {
  const sequenced = await decoder.decode(
    jsonMessage(`{"before":null,"after":${ROW},"source":${sourceWith('"sequence":"[\\"31816816\\",\\"31873496\\"]"')},"op":"c"}`),
  );
  assert.equal(sequenced?.txLsn, 31816816n);
  const initialSnapshot = await decoder.decode(
    jsonMessage(`{"before":null,"after":${ROW},"source":${sourceWith('"sequence":"[null,\\"31873496\\"]"')},"op":"r"}`),
  );
  assert.equal(initialSnapshot?.txLsn, 18446744073709551615n, 'no lastCommitLsn: the LSN');
  const none = await decoder.decode(jsonMessage(`{"before":null,"after":${ROW},"source":${SOURCE},"op":"c"}`));
  assert.equal(none?.txLsn, none?.lsn);
});

test("a create with Debezium's __debezium.oldkey header names the old key, in the form of the key", async () => {
  const message = {
    ...jsonMessage(`{"before":null,"after":${ROW},"source":${SOURCE},"op":"c"}`),
    headers: { '__debezium.oldkey': Buffer.from('{"id":9007199254740995}') },
  };
  const event = await decoder.decode(message);
  assert.equal(event?.oldKey, '9007199254740995', 'exact beyond 2^53');
  const plain = await decoder.decode(jsonMessage(`{"before":null,"after":${ROW},"source":${SOURCE},"op":"c"}`));
  assert.equal(plain?.oldKey, null);
  const unreadable = await decoder.decode({ ...message, headers: { '__debezium.oldkey': Buffer.from('not json') } });
  assert.equal(unreadable?.oldKey, null, 'an unreadable header only loses the carry-over');
});

test("a delete with Debezium's __debezium.newkey header names the new key; a create's newkey and a delete's oldkey are ignored", async () => {
  const moved = {
    ...jsonMessage(`{"before":${ROW},"after":null,"source":${SOURCE},"op":"d"}`),
    headers: { '__debezium.newkey': Buffer.from('{"id":9007199254740995}') },
  };
  const event = await decoder.decode(moved);
  assert.equal(event?.newKey, '9007199254740995', 'exact beyond 2^53');
  assert.equal(event?.oldKey, null);
  const create = await decoder.decode({
    ...jsonMessage(`{"before":null,"after":${ROW},"source":${SOURCE},"op":"c"}`),
    headers: { '__debezium.newkey': Buffer.from('{"id":3}') },
  });
  assert.equal(create?.newKey, null);
  const plain = await decoder.decode(jsonMessage(`{"before":${ROW},"after":null,"source":${SOURCE},"op":"d"}`));
  assert.equal(plain?.newKey, null);
});
