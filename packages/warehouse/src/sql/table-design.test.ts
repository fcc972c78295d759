import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTableDesigns } from './table-design.js';

test('a table design reads from its JSON form', () => {
  const { designs, problems } = parseTableDesigns({
    'shop.orders': { distStyle: 'key', distKey: 'customer_id', sortKey: ['created_at', 'id'], encode: { note: 'zstd' } },
    'shop.events': { sortKey: 'auto', distStyle: 'EVEN' },
    'shop.tags': { sortKey: ['tag'], interleaved: true },
  });
  assert.deepEqual(problems, []);
  assert.deepEqual(designs.get('shop.orders'), {
    distStyle: 'KEY',
    distKey: 'customer_id',
    sortKey: { columns: ['created_at', 'id'] },
    encode: { note: 'ZSTD' },
  });
  assert.deepEqual(designs.get('shop.events'), { distStyle: 'EVEN', sortKey: 'AUTO' });
  assert.deepEqual(designs.get('shop.tags'), { sortKey: { columns: ['tag'], interleaved: true } });
});

test('every bad part of every table is named, not only the first', () => {
  const { problems } = parseTableDesigns({
    orders: {},
    'shop.a': { distStyle: 'HASH', sortKey: [], encode: { note: 'gzip' }, colour: 'red' },
    'shop.b': { distStyle: 'EVEN', distKey: 'x' },
    'shop.c': { distStyle: 'KEY' },
    'shop.d': 'KEY',
  });
  assert.deepEqual(problems, [
    'orders: not a schema.table name',
    'shop.a.colour: unknown field',
    'shop.a.distStyle: "HASH" is not AUTO, EVEN, ALL or KEY',
    'shop.a.sortKey: must be "AUTO" or a non-empty list of column names',
    'shop.a.encode.note: "gzip" is not a Redshift encoding (RAW, AZ64, BYTEDICT, DELTA, DELTA32K, LZO, MOSTLY8, MOSTLY16, MOSTLY32, RUNLENGTH, TEXT255, TEXT32K, ZSTD)',
    'shop.b.distKey: needs distStyle KEY (or no distStyle)',
    'shop.c.distStyle: KEY needs a distKey',
    'shop.d: must be an object',
  ]);
  assert.deepEqual(parseTableDesigns([]).problems, ['must be a JSON object keyed by schema.table']);
});
