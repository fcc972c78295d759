import assert from 'node:assert/strict';
import { test } from 'node:test';
import { valueKindOf } from './value-kind.js';

const kindOf = (typeName: string, typeType = 'b', category = 'S') => valueKindOf({ typeName, typeType, category });

test('a column is compared by the class of its source type; spatial types are not compared', () => {
  assert.deepEqual(
    ['bool', 'int4', 'oid', 'numeric', 'money', 'float8', 'varchar', 'name', 'bpchar', 'citext', 'uuid', 'jsonb', 'hstore', 'bytea', 'timetz', 'interval'].map(
      (t) => kindOf(t),
    ),
    ['boolean', 'integer', 'integer', 'numeric', 'money', 'float', 'text', 'text', 'bpchar', 'citext', 'uuid', 'json', 'json', 'bytea', 'timetz', 'interval'],
  );
  assert.equal(kindOf('geometry'), 'unsupported');
  assert.equal(kindOf('inet'), 'other');
});

test('arrays are JSON and enums their label, whatever their name', () => {
  assert.equal(kindOf('_int4', 'b', 'A'), 'json');
  assert.equal(kindOf('int4', 'e'), 'other', 'an enum named like a built-in type');
  assert.equal(kindOf('char'), 'other', 'the one-byte "char" type is not char(n)');
});
