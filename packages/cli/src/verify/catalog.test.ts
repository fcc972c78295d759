import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ordersByBytes, planComparison, type SourceColumn } from './catalog.js';

const sourceColumn = (name: string, typeName: string, keyPosition: number | null = null, collation: string | null = null): SourceColumn => ({
  name,
  typeName,
  typeType: 'b',
  category: typeName.startsWith('_') ? 'A' : 'S',
  collation,
  keyPosition,
});

test('columns match by the name the warehouse folds them to; missing, pgshift and spatial columns are set apart', () => {
  const plan = planComparison({
    source: { schema: 'App', table: 'Orders' },
    warehouse: { schema: 'app', table: 'orders' },
    sourceColumns: [
      sourceColumn('Code', 'text', 2, 'en_US.utf8'),
      sourceColumn('tenant', 'int4', 1),
      sourceColumn('added_later', 'int4'),
      sourceColumn('shape', 'geometry'),
      sourceColumn('tags', '_text'),
    ],
    warehouseColumns: ['code', 'tenant', 'shape', 'tags', '_pgshift_lsn', '_pgshift_deleted', 'dropped_at_source'].map((name) => ({ name, collation: null })),
    identifiers: { maxBytes: 127, foldsToLowerCase: true },
  });
  assert.deepEqual(
    plan.table.key.map((c) => [c.name, c.warehouseName]),
    [
      ['tenant', 'tenant'],
      ['Code', 'code'],
    ],
  );
  assert.deepEqual(
    plan.table.columns.map((c) => [c.name, c.kind]),
    [
      ['Code', 'text'],
      ['tenant', 'integer'],
      ['tags', 'json'],
    ],
  );
  assert.deepEqual(plan.table.columns[0]!.needsByteOrder, { source: true, warehouse: false });
  assert.deepEqual(plan.missingColumns, ['added_later']);
  assert.deepEqual(
    plan.uncomparedColumns.map((c) => c.name),
    ['shape'],
  );
  assert.equal(plan.table.softDelete, true);
});

test('a key column missing in the warehouse leaves the table without a usable key', () => {
  const plan = planComparison({
    source: { schema: 's', table: 't' },
    warehouse: { schema: 's', table: 't' },
    sourceColumns: [sourceColumn('id', 'int4', 1), sourceColumn('v', 'text')],
    warehouseColumns: [{ name: 'v', collation: null }],
    identifiers: { maxBytes: 63, foldsToLowerCase: false },
  });
  assert.deepEqual(plan.table.key, []);
  assert.deepEqual(plan.missingColumns, ['id']);
});

test('C, POSIX and C.UTF-8 collations order by bytes; language collations do not', () => {
  assert.deepEqual(['C', 'POSIX', 'C.UTF-8', 'C.utf8', 'ucs_basic', 'en_US.UTF-8', 'und-x-icu'].map(ordersByBytes), [
    true,
    true,
    true,
    true,
    true,
    false,
    false,
  ]);
});
