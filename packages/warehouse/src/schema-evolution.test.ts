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
    'CREATE TABLE IF NOT EXISTS "app"."orders" ("id" BIGINT NOT NULL, "note" VARCHAR(65535), "_pgshift_lsn" BIGINT, "_pgshift_tx_lsn" BIGINT, "_pgshift_source_ts" TIMESTAMP, "_pgshift_loaded_at" TIMESTAMP, PRIMARY KEY ("id")) DISTSTYLE AUTO COMPOUND SORTKEY ("id")',
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
  assert.deepEqual(wider.widenColumns, [{ name: 'code', from: 'VARCHAR(40)', to: 'VARCHAR(80)', inPlace: true }]);
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

const withId = (...columns: TargetColumn[]): TargetColumn[] => [{ name: 'id', type: 'BIGINT', nullable: false }, ...columns, ...META_HARD];

test('Redshift widens int → bigint, int → numeric, numeric precision and int → text by copying into a new column, in one transaction', () => {
  for (const [from, source, to] of [
    ['INTEGER', col('n', 'int8'), 'BIGINT'],
    ['INTEGER', col('n', 'numeric', { length: 20, scale: 2 }), 'DECIMAL(20,2)'],
    ['BIGINT', col('n', 'numeric'), 'DECIMAL(38,10)'],
    ['DECIMAL(12,2)', col('n', 'numeric', { length: 14, scale: 3 }), 'DECIMAL(14,3)'],
    ['INTEGER', col('n', 'text'), 'VARCHAR(65535)'],
    ['REAL', col('n', 'float8'), 'DOUBLE PRECISION'],
  ] as const) {
    const p = plan([id, source], withId({ name: 'n', type: from, nullable: true }));
    assert.deepEqual(p.widenColumns, [{ name: 'n', from, to, inPlace: false }], `${from} → ${to}`);
    assert.deepEqual(p.nonReproducible, []);
    assert.deepEqual(schemaEvolutionStatements(redshift, target, p), [
      [
        `ALTER TABLE "app"."orders" ADD COLUMN "_pgshift_retyped" ${to}`,
        `UPDATE "app"."orders" SET "_pgshift_retyped" = CAST("n" AS ${to})`,
        'ALTER TABLE "app"."orders" DROP COLUMN "n"',
        'ALTER TABLE "app"."orders" RENAME COLUMN "_pgshift_retyped" TO "n"',
      ],
    ]);
  }
});

test('PostgreSQL widens the same changes in place with its own cast', () => {
  const p = planSchemaEvolution(postgresDialect, {
    target,
    columns: mapColumns(postgresDialect, [id, col('a', 'int8'), col('b', 'numeric'), col('c', 'text')]),
    existing: [
      { name: 'id', type: 'bigint', nullable: false },
      { name: 'a', type: 'integer', nullable: true },
      { name: 'b', type: 'numeric(12,2)', nullable: true },
      { name: 'c', type: 'integer', nullable: true },
      ...META_HARD.map((c) => ({ ...c, type: c.type.toLowerCase() })),
    ],
    deleteMode: 'hard',
  });
  assert.deepEqual(schemaEvolutionStatements(postgresDialect, target, p), [
    'ALTER TABLE "app"."orders" ALTER COLUMN "a" TYPE bigint USING CAST("a" AS bigint)',
    'ALTER TABLE "app"."orders" ALTER COLUMN "b" TYPE numeric USING CAST("b" AS numeric)',
    'ALTER TABLE "app"."orders" ALTER COLUMN "c" TYPE text USING CAST("c" AS text)',
  ]);
});

test('a retype that is no widening is not reproducible: the column is replaced by an empty one of the new type, and the reason names both types', () => {
  for (const [from, source, to] of [
    ['INTEGER', col('n', 'bool'), 'BOOLEAN'],
    ['DECIMAL(12,2)', col('n', 'numeric', { length: 12, scale: 4 }), 'DECIMAL(12,4)'],
    ['TIMESTAMP', col('n', 'timestamptz'), 'TIMESTAMPTZ'],
    ['CHAR(36)', col('n', 'text'), 'VARCHAR(65535)'],
  ] as const) {
    const p = plan([id, source], withId({ name: 'n', type: from, nullable: true }));
    assert.equal(p.nonReproducible.length, 1, `${from} → ${to}`);
    assert.equal(p.nonReproducible[0]!.kind, 'retype');
    assert.match(p.nonReproducible[0]!.reason, new RegExp(`app\\.orders\\.n changed from ${from.replace(/[()]/g, '\\$&')} to ${to.replace(/[()]/g, '\\$&')}`));
    assert.deepEqual(schemaEvolutionStatements(redshift, target, p), [
      ['ALTER TABLE "app"."orders" DROP COLUMN "n"', `ALTER TABLE "app"."orders" ADD COLUMN "n" ${to}`],
    ]);
  }
});

test('a primary-key column that cannot follow is incompatible: a narrowing retype anywhere, a copy on Redshift', () => {
  assertIncompatible([col('id', 'text', { primaryKey: true })], withId(), 'id', 'BIGINT', 'VARCHAR(65535)');
  assertIncompatible([col('id', 'int8', { primaryKey: true })], [{ name: 'id', type: 'INTEGER', nullable: false }, ...META_HARD], 'id', 'INTEGER', 'BIGINT');
  const p = planSchemaEvolution(postgresDialect, {
    target,
    columns: mapColumns(postgresDialect, [col('id', 'int8', { primaryKey: true })]),
    existing: [{ name: 'id', type: 'integer', nullable: false }, ...META_HARD.map((c) => ({ ...c, type: c.type.toLowerCase() }))],
    deleteMode: 'hard',
  });
  assert.deepEqual(p.widenColumns, [{ name: 'id', from: 'integer', to: 'bigint', inPlace: true }], 'PostgreSQL alters a key column in place');
});

test('a column added with a constant default fills the existing rows with it, and leaves no default behind', () => {
  const existing = withId();
  const p = plan([id, col('qty', 'int4', { defaultValue: '7' })], existing);
  assert.deepEqual(p.addColumns, [{ name: 'qty', type: 'INTEGER', defaultValue: '7' }]);
  assert.deepEqual(schemaEvolutionStatements(redshift, target, p), [
    ['ALTER TABLE "app"."orders" ADD COLUMN "qty" INTEGER', `UPDATE "app"."orders" SET "qty" = CAST('7' AS INTEGER)`],
  ]);
  const pg = planSchemaEvolution(postgresDialect, {
    target,
    columns: mapColumns(postgresDialect, [id, col('status', 'text', { defaultValue: "it's new" })]),
    existing: [{ name: 'id', type: 'bigint', nullable: false }, ...META_HARD.map((c) => ({ ...c, type: c.type.toLowerCase() }))],
    deleteMode: 'hard',
  });
  assert.deepEqual(schemaEvolutionStatements(postgresDialect, target, pg), [
    [`ALTER TABLE "app"."orders" ADD COLUMN "status" text DEFAULT CAST('it''s new' AS text)`, 'ALTER TABLE "app"."orders" ALTER COLUMN "status" DROP DEFAULT'],
  ]);
});

test('a NULL-able column added without a default stays NULL; a NOT NULL one without a carried default is reported (a volatile default)', () => {
  const nullable = plan([id, col('note', 'text')], withId());
  assert.deepEqual(nullable.addColumns, [{ name: 'note', type: 'VARCHAR(65535)' }]);
  assert.deepEqual(nullable.nonReproducible, []);
  const volatile = plan([id, col('at', 'timestamptz', { nullable: false })], withId());
  assert.deepEqual(
    volatile.nonReproducible.map((c) => [c.kind, c.columns]),
    [['unknown-fill', ['at']]],
  );
});

test('one column gone and one new in the same schema change is reported as a possible rename, only when the previous batch is known', () => {
  const existing = withId({ name: 'name', type: 'VARCHAR(65535)', nullable: true });
  const previous = mapColumns(redshift, [id, col('name', 'text')]);
  const renamed = [id, col('full_name', 'text')];
  const p = planSchemaEvolution(redshift, { target, columns: mapColumns(redshift, renamed), existing, deleteMode: 'hard', previousColumns: previous });
  assert.deepEqual(
    p.nonReproducible.map((c) => [c.kind, c.columns]),
    [['rename', ['name', 'full_name']]],
  );
  assert.deepEqual(p.addColumns, [{ name: 'full_name', type: 'VARCHAR(65535)' }], 'the new column is added; the old one kept');
  assert.deepEqual(plan(renamed, existing).nonReproducible, [], 'after a restart nothing tells a rename from a drop and an add');
  const addedOnly = planSchemaEvolution(redshift, {
    target,
    columns: mapColumns(redshift, [id, col('name', 'text'), col('email', 'text')]),
    existing,
    deleteMode: 'hard',
    previousColumns: previous,
  });
  assert.deepEqual(addedOnly.nonReproducible, [], 'an added column alone is no rename');
});

test('a column dropped and added again is reported: the warehouse still holds the old values', () => {
  const existing = withId({ name: 'note', type: 'VARCHAR(65535)', nullable: true });
  const p = planSchemaEvolution(redshift, {
    target,
    columns: mapColumns(redshift, [id, col('note', 'text')]),
    existing,
    deleteMode: 'hard',
    previousColumns: mapColumns(redshift, [id]),
  });
  assert.deepEqual(
    p.nonReproducible.map((c) => [c.kind, c.columns]),
    [['re-added', ['note']]],
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
  assert.deepEqual(p.widenColumns, [{ name: 'code', from: 'varchar(10)', to: 'text', inPlace: true }]);
  assert.deepEqual(schemaEvolutionStatements(postgresDialect, target, p), [
    'ALTER TABLE "app"."orders" ALTER COLUMN "code" TYPE text USING CAST("code" AS text)',
  ]);
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

test('an append table gaining a primary key, or a keyed table losing it, is reported; the warehouse key is dropped so that changes append', () => {
  const appendMeta: TargetColumn[] = [
    { name: '_pgshift_op', type: 'CHAR(1)', nullable: true },
    { name: '_pgshift_partition', type: 'INTEGER', nullable: true },
    { name: '_pgshift_offset', type: 'BIGINT', nullable: true },
  ];
  const gained = plan([id], [{ name: 'id', type: 'BIGINT', nullable: true }, ...META_HARD, ...appendMeta]);
  assert.deepEqual(
    gained.nonReproducible.map((c) => [c.kind, c.columns]),
    [['key-added', ['id']]],
  );
  const lost = plan([col('id', 'int8')], withId());
  assert.deepEqual(
    lost.nonReproducible.map((c) => c.kind),
    ['key-dropped'],
  );
  assert.deepEqual(
    lost.addColumns.map((c) => c.name),
    ['_pgshift_op', '_pgshift_partition', '_pgshift_offset'],
  );
  assert.ok(lost.dropPrimaryKey);
  const pgLost = planSchemaEvolution(postgresDialect, {
    target,
    columns: mapColumns(postgresDialect, [col('id', 'int8')]),
    existing: [{ name: 'id', type: 'bigint', nullable: false }, ...META_HARD.map((c) => ({ ...c, type: c.type.toLowerCase() }))],
    deleteMode: 'hard',
  });
  assert.equal(schemaEvolutionStatements(postgresDialect, target, pgLost).at(-1), 'ALTER TABLE "app"."orders" DROP CONSTRAINT IF EXISTS "orders_pkey"');
  assert.equal(
    schemaEvolutionStatements(redshift, target, lost).at(-1),
    'ALTER TABLE "app"."orders" DROP CONSTRAINT "orders_pkey"',
    'Redshift does not enforce it, but its planner trusts it',
  );
  assert.deepEqual(
    plan([col('id', 'int8')], [{ name: 'id', type: 'BIGINT', nullable: true }, ...META_HARD, ...appendMeta]).nonReproducible,
    [],
    'an append table stays one',
  );
});
