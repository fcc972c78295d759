import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ColumnSpec } from '@pgshift/contracts';
import type { TargetColumn } from './adapter.js';
import { mapColumns } from './columns.js';
import { IncompatibleSchemaChange, InvalidIdentifier } from './errors.js';
import { postgresDialect } from './postgres/dialect.js';
import { createRedshiftDialect } from './redshift/dialect.js';
import { isNoChange, planSchemaEvolution, schemaEvolutionStatements } from './schema-evolution.js';

const redshift = createRedshiftDialect();
const target = { schema: 'app', table: 'orders' };
const META_HARD: TargetColumn[] = [
  { name: '_pgshift_lsn', type: 'BIGINT', nullable: true },
  { name: '_pgshift_tx_lsn', type: 'BIGINT', nullable: true },
  { name: '_pgshift_source_ts', type: 'TIMESTAMP', nullable: true },
  { name: '_pgshift_loaded_at', type: 'TIMESTAMP', nullable: true },
];

function col(name: string, sourceType: string, extra: Partial<ColumnSpec> = {}): ColumnSpec {
  return { name, sourceType, nullable: true, primaryKey: false, ...extra };
}
const id = col('id', 'int8', { primaryKey: true, nullable: false });

function plan(columns: ColumnSpec[], existing: TargetColumn[] | null, options: { deleteMode?: 'hard' | 'soft'; dropRemovedColumns?: boolean } = {}) {
  return planSchemaEvolution(redshift, {
    target,
    columns: mapColumns(redshift, columns),
    existing,
    deleteMode: options.deleteMode ?? 'hard',
    dropRemovedColumns: options.dropRemovedColumns ?? false,
  });
}

test('a missing table is created with the batch columns, the key and the metadata columns', () => {
  const p = plan([id, col('note', 'text')], null);
  assert.deepEqual(p.createTable, {
    columns: [
      { name: 'id', type: 'BIGINT' },
      { name: 'note', type: 'VARCHAR(65535)' },
      { name: '_pgshift_lsn', type: 'BIGINT' },
      { name: '_pgshift_tx_lsn', type: 'BIGINT' },
      { name: '_pgshift_source_ts', type: 'TIMESTAMP' },
      { name: '_pgshift_loaded_at', type: 'TIMESTAMP' },
    ],
    primaryKey: ['id'],
  });
  assert.deepEqual(schemaEvolutionStatements(redshift, target, p), [
    'CREATE SCHEMA IF NOT EXISTS "app"',
    'CREATE TABLE IF NOT EXISTS "app"."orders" ("id" BIGINT NOT NULL, "note" VARCHAR(65535), "_pgshift_lsn" BIGINT, "_pgshift_tx_lsn" BIGINT, "_pgshift_source_ts" TIMESTAMP, "_pgshift_loaded_at" TIMESTAMP, PRIMARY KEY ("id"))',
  ]);
});

test('an identical table needs nothing', () => {
  const p = plan(
    [id, col('note', 'text')],
    [{ name: 'id', type: 'BIGINT', nullable: false }, { name: 'note', type: 'VARCHAR(65535)', nullable: true }, ...META_HARD],
  );
  assert.ok(isNoChange(p));
  assert.deepEqual(schemaEvolutionStatements(redshift, target, p), []);
});

test('a new source column is added, one statement each', () => {
  const p = plan(
    [id, col('note', 'text'), col('Total', 'numeric', { length: 12, scale: 2 })],
    [{ name: 'id', type: 'BIGINT', nullable: false }, { name: 'note', type: 'VARCHAR(65535)', nullable: true }, ...META_HARD],
  );
  assert.deepEqual(p.addColumns, [{ name: 'total', type: 'DECIMAL(12,2)' }]);
  assert.deepEqual(schemaEvolutionStatements(redshift, target, p), ['ALTER TABLE "app"."orders" ADD COLUMN "total" DECIMAL(12,2)']);
});

test('switching to soft deletes adds the deletion columns', () => {
  const p = plan([id], [{ name: 'id', type: 'BIGINT', nullable: false }, ...META_HARD], { deleteMode: 'soft' });
  assert.deepEqual(
    p.addColumns.map((c) => c.name),
    ['_pgshift_deleted', '_pgshift_deleted_at'],
  );
});

test('a longer varchar widens the column; a shorter one keeps the wider column', () => {
  const existing = [{ name: 'id', type: 'BIGINT', nullable: false }, { name: 'code', type: 'VARCHAR(40)', nullable: true }, ...META_HARD];
  const wider = plan([id, col('code', 'varchar', { length: 20 })], existing);
  assert.deepEqual(wider.widenColumns, [{ name: 'code', from: 'VARCHAR(40)', to: 'VARCHAR(80)' }]);
  assert.deepEqual(schemaEvolutionStatements(redshift, target, wider), ['ALTER TABLE "app"."orders" ALTER COLUMN "code" TYPE VARCHAR(80)']);
  const narrower = plan([id, col('code', 'varchar', { length: 5 })], existing);
  assert.ok(isNoChange(narrower), 'varchar narrowing is not incompatible: the wider column stays');
});

test('narrower numbers fit a wider target: integer into bigint, fewer digits into more', () => {
  const existing = [{ name: 'id', type: 'BIGINT', nullable: false }, { name: 'n', type: 'DECIMAL(12,4)', nullable: true }, ...META_HARD];
  assert.ok(isNoChange(plan([col('id', 'int4', { primaryKey: true }), col('n', 'numeric', { length: 10, scale: 2 })], existing)));
});

test('columns gone from the source are kept, or dropped when asked', () => {
  const existing = [{ name: 'id', type: 'BIGINT', nullable: false }, { name: 'old', type: 'VARCHAR(65535)', nullable: true }, ...META_HARD];
  const kept = plan([id], existing);
  assert.deepEqual(kept.removedColumns, ['old']);
  assert.deepEqual(kept.dropColumns, []);
  assert.ok(isNoChange(kept), 'keeping a column needs no DDL: it receives NULLs');
  const dropped = plan([id], existing, { dropRemovedColumns: true });
  assert.deepEqual(schemaEvolutionStatements(redshift, target, dropped), ['ALTER TABLE "app"."orders" DROP COLUMN "old"']);
});

test('pgshift columns are never reported as removed source columns', () => {
  const p = plan([id], [{ name: 'id', type: 'BIGINT', nullable: false }, ...META_HARD, { name: '_pgshift_deleted', type: 'BOOLEAN', nullable: true }], {
    dropRemovedColumns: true,
  });
  assert.deepEqual(p.removedColumns, []);
});

function assertIncompatible(columns: ColumnSpec[], existing: TargetColumn[], column: string, from: string, to: string) {
  assert.throws(
    () => plan(columns, existing),
    (e: unknown) =>
      e instanceof IncompatibleSchemaChange &&
      e.table === 'app.orders' &&
      e.column === column &&
      e.targetType === from &&
      e.batchType === to &&
      e.message.includes(`app.orders.${column}`),
  );
}

test('a type family change is incompatible and names table, column and both types', () => {
  assertIncompatible(
    [id, col('qty', 'text')],
    [
      { name: 'id', type: 'BIGINT', nullable: false },
      { name: 'qty', type: 'INTEGER', nullable: true },
    ],
    'qty',
    'INTEGER',
    'VARCHAR(65535)',
  );
});

test('integer values keep loading into a column changed int → text by hand (their text is the cast PostgreSQL makes)', () => {
  const p = plan(
    [id, col('qty', 'int4')],
    [
      { name: 'id', type: 'BIGINT', nullable: false },
      { name: 'qty', type: 'VARCHAR(65535)', nullable: true },
    ],
  );
  assert.deepEqual(p.widenColumns, [], 'no change to qty');
  assert.ok(!p.addColumns.some((c) => c.name === 'qty'));
});

test('a numeric scale the target cannot hold is incompatible', () => {
  assertIncompatible(
    [id, col('price', 'numeric', { length: 12, scale: 4 })],
    [
      { name: 'id', type: 'BIGINT', nullable: false },
      { name: 'price', type: 'DECIMAL(12,2)', nullable: true },
    ],
    'price',
    'DECIMAL(12,2)',
    'DECIMAL(12,4)',
  );
});

test('more integer digits than the target has are incompatible (Redshift cannot alter DECIMAL)', () => {
  assertIncompatible(
    [id, col('price', 'numeric', { length: 14, scale: 2 })],
    [
      { name: 'id', type: 'BIGINT', nullable: false },
      { name: 'price', type: 'DECIMAL(12,2)', nullable: true },
    ],
    'price',
    'DECIMAL(12,2)',
    'DECIMAL(14,2)',
  );
});

test('a longer integer than the target is incompatible', () => {
  assertIncompatible(
    [id, col('n', 'int8')],
    [
      { name: 'id', type: 'BIGINT', nullable: false },
      { name: 'n', type: 'INTEGER', nullable: true },
    ],
    'n',
    'INTEGER',
    'BIGINT',
  );
});

test('different exact types (uuid vs text, timestamp vs timestamptz) are incompatible', () => {
  assertIncompatible(
    [id, col('ref', 'text')],
    [
      { name: 'id', type: 'BIGINT', nullable: false },
      { name: 'ref', type: 'CHAR(36)', nullable: true },
    ],
    'ref',
    'CHAR(36)',
    'VARCHAR(65535)',
  );
  assertIncompatible(
    [id, col('at', 'timestamptz')],
    [
      { name: 'id', type: 'BIGINT', nullable: false },
      { name: 'at', type: 'TIMESTAMP', nullable: true },
    ],
    'at',
    'TIMESTAMP',
    'TIMESTAMPTZ',
  );
});

test('PostgreSQL: varchar(n) widens to text, and unconstrained numeric holds any decimal', () => {
  const p = planSchemaEvolution(postgresDialect, {
    target,
    columns: mapColumns(postgresDialect, [id, col('code', 'text'), col('amount', 'numeric', { length: 10, scale: 2 })]),
    existing: [
      { name: 'id', type: 'bigint', nullable: false },
      { name: 'code', type: 'varchar(10)', nullable: true },
      { name: 'amount', type: 'numeric', nullable: true },
      ...META_HARD.map((c) => ({ ...c, type: c.type.toLowerCase() })),
    ],
    deleteMode: 'hard',
  });
  assert.deepEqual(p.widenColumns, [{ name: 'code', from: 'varchar(10)', to: 'text' }]);
  assert.deepEqual(schemaEvolutionStatements(postgresDialect, target, p), ['ALTER TABLE "app"."orders" ALTER COLUMN "code" TYPE text']);
});

test('source names that fold to one Redshift name, or collide with pgshift columns, are refused', () => {
  assert.throws(() => mapColumns(redshift, [col('Id', 'int4'), col('id', 'int4')]), InvalidIdentifier);
  assert.doesNotThrow(() => mapColumns(postgresDialect, [col('Id', 'int4'), col('id', 'int4')]));
  assert.throws(() => mapColumns(redshift, [col('_pgshift_op', 'text')]), /collides/);
});

test('a table created before transaction positions were recorded gains the column', () => {
  const p = plan([id], [{ name: 'id', type: 'BIGINT', nullable: false }, ...META_HARD.filter((c) => c.name !== '_pgshift_tx_lsn')]);
  assert.deepEqual(p.addColumns, [{ name: '_pgshift_tx_lsn', type: 'BIGINT' }]);
});
