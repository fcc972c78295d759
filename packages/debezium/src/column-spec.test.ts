import assert from 'node:assert/strict';
import { test } from 'node:test';
import { columnSpecOf } from './column-spec.js';
import { connectSchemaFromAvro, connectSchemaFromJson } from './connect-schema.js';

test("a column's constant default, as the Connect AvroConverter writes it, becomes its text in the column spec", () => {
  const value = connectSchemaFromAvro({
    type: 'record',
    name: 'Value',
    namespace: 'pgshift.app.orders',
    fields: [
      { name: 'qty', type: [{ type: 'int', 'connect.default': 7 }, 'null'], default: 7 },
      { name: 'status', type: [{ type: 'string', 'connect.default': 'draft' }, 'null'], default: 'draft' },
      { name: 'price', type: { type: 'string', 'connect.parameters': { '__debezium.source.column.type': 'NUMERIC' } }, default: '1.50' },
      { name: 'due', type: { type: 'int', 'connect.name': 'io.debezium.time.Date', 'connect.default': 19723 } },
      { name: 'flag', type: { type: 'boolean' }, default: false },
      { name: 'note', type: ['null', 'string'], default: null },
    ],
  });
  const specs = value.fields!.map((field) => columnSpecOf(field, false));
  assert.deepEqual(
    specs.map((c) => [c.name, c.defaultValue]),
    [
      ['qty', '7'],
      ['status', 'draft'],
      ['price', '1.50'],
      ['due', '2024-01-01'],
      ['flag', 'false'],
      ['note', undefined],
    ],
  );
});

test("the JsonConverter's field default is read the same way", () => {
  const value = connectSchemaFromJson({
    type: 'struct',
    optional: false,
    fields: [
      { field: 'qty', type: 'int32', optional: true, default: 7 },
      { field: 'note', type: 'string', optional: true },
    ],
  });
  assert.deepEqual(
    value.fields!.map((field) => columnSpecOf(field, false).defaultValue),
    ['7', undefined],
  );
});

test('the epoch Debezium stands in for CURRENT_TIMESTAMP, CURRENT_DATE or CURRENT_TIME is no default (a volatile one)', () => {
  const value = connectSchemaFromAvro({
    type: 'record',
    name: 'Value',
    fields: [
      { name: 'at', type: { type: 'string', 'connect.name': 'io.debezium.time.ZonedTimestamp' }, default: '1970-01-01T00:00:00Z' },
      { name: 'on', type: { type: 'int', 'connect.name': 'io.debezium.time.Date' }, default: 0 },
      { name: 'since', type: { type: 'long', 'connect.name': 'io.debezium.time.MicroTimestamp' }, default: 0 },
      { name: 'real', type: { type: 'int', 'connect.name': 'io.debezium.time.Date' }, default: 1 },
    ],
  });
  assert.deepEqual(
    value.fields!.map((field) => columnSpecOf(field, false).defaultValue),
    [undefined, undefined, undefined, '1970-01-02'],
  );
});
