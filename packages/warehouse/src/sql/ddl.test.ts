import assert from 'node:assert/strict';
import { test } from 'node:test';
import { postgresDialect } from '../postgres/dialect.js';
import { createRedshiftDialect } from '../redshift/dialect.js';
import {
  addColumnStatement,
  alterColumnTypeStatement,
  createSchemaStatement,
  createTableStatement,
  dropColumnStatement,
  emptyTargetStatement,
  targetMetadataColumns,
} from './ddl.js';
import { createLedgerStatements } from './ledger.js';

const redshift = createRedshiftDialect();
const target = { schema: 'Sales', table: 'Order Lines' };

test('CREATE TABLE declares the primary key, quotes every name and leaves other columns nullable', () => {
  const sql = createTableStatement(
    redshift,
    target,
    [
      { name: 'id', type: 'BIGINT' },
      { name: 'user', type: 'VARCHAR(400)' },
      { name: '_pgshift_lsn', type: 'BIGINT' },
    ],
    ['id'],
  );
  assert.equal(
    sql,
    'CREATE TABLE IF NOT EXISTS "sales"."order lines" ("id" BIGINT NOT NULL, "user" VARCHAR(400), "_pgshift_lsn" BIGINT, PRIMARY KEY ("id")) DISTSTYLE AUTO COMPOUND SORTKEY ("id")',
  );
});

test('a configured Redshift design: DISTKEY, an interleaved sort key and column encodings; PostgreSQL ignores it', () => {
  const columns = [
    { name: 'id', type: 'BIGINT' },
    { name: 'customer', type: 'BIGINT' },
    { name: 'note', type: 'VARCHAR(400)' },
  ];
  const design = { distKey: 'customer', sortKey: { columns: ['customer', 'id'], interleaved: true }, encode: { note: 'ZSTD', customer: 'AZ64' } };
  assert.equal(
    createTableStatement(redshift, { schema: 's', table: 't' }, columns, ['id'], design),
    'CREATE TABLE IF NOT EXISTS "s"."t" ("id" BIGINT NOT NULL, "customer" BIGINT ENCODE AZ64, "note" VARCHAR(400) ENCODE ZSTD, PRIMARY KEY ("id")) DISTSTYLE KEY DISTKEY ("customer") INTERLEAVED SORTKEY ("customer", "id")',
  );
  assert.equal(
    createTableStatement(redshift, { schema: 's', table: 't' }, [{ name: 'a', type: 'INTEGER' }], [], { distStyle: 'EVEN' }),
    'CREATE TABLE IF NOT EXISTS "s"."t" ("a" INTEGER) DISTSTYLE EVEN SORTKEY AUTO',
  );
  assert.equal(
    createTableStatement(postgresDialect, { schema: 's', table: 't' }, [{ name: 'a', type: 'integer' }], [], design),
    'CREATE TABLE IF NOT EXISTS "s"."t" ("a" integer)',
  );
});

test('a table without a key has no PRIMARY KEY clause', () => {
  assert.doesNotMatch(createTableStatement(postgresDialect, target, [{ name: 'a', type: 'text' }], []), /PRIMARY KEY/);
});

test('metadata columns: always lsn, source time and load time; soft deletes add the marker; no key adds op and position', () => {
  const names = (deleteMode: 'hard' | 'soft', hasPrimaryKey: boolean) =>
    targetMetadataColumns(redshift, { deleteMode, hasPrimaryKey }).map((c) => `${c.name} ${c.type}`);
  assert.deepEqual(names('hard', true), ['_pgshift_lsn BIGINT', '_pgshift_tx_lsn BIGINT', '_pgshift_source_ts TIMESTAMP', '_pgshift_loaded_at TIMESTAMP']);
  assert.deepEqual(names('soft', true).slice(4), ['_pgshift_deleted BOOLEAN', '_pgshift_deleted_at TIMESTAMP']);
  assert.deepEqual(names('hard', false).slice(4), ['_pgshift_op CHAR(1)', '_pgshift_partition INTEGER', '_pgshift_offset BIGINT']);
});

test('ALTER TABLE statements change one column each', () => {
  assert.equal(createSchemaStatement(redshift, 'Sales'), 'CREATE SCHEMA IF NOT EXISTS "sales"');
  assert.equal(
    addColumnStatement(redshift, target, { name: 'Note', type: 'VARCHAR(65535)' }),
    'ALTER TABLE "sales"."order lines" ADD COLUMN "note" VARCHAR(65535)',
  );
  assert.equal(alterColumnTypeStatement(redshift, target, 'note', 'VARCHAR(800)'), 'ALTER TABLE "sales"."order lines" ALTER COLUMN "note" TYPE VARCHAR(800)');
  assert.equal(dropColumnStatement(postgresDialect, target, 'Note'), 'ALTER TABLE "Sales"."Order Lines" DROP COLUMN "Note"');
});

test('the ledger is keyed by stream (topic and target table) and partition', () => {
  const [schema, table] = createLedgerStatements(redshift);
  assert.equal(schema, 'CREATE SCHEMA IF NOT EXISTS "pgshift"');
  assert.match(table!, /^CREATE TABLE IF NOT EXISTS "pgshift"\."ledger" \(/);
  assert.match(table!, /"partition" INTEGER NOT NULL, "last_offset" BIGINT NOT NULL/);
  assert.match(table!, /PRIMARY KEY \("topic", "target_schema", "target_table", "partition"\)\)$/);
});

test('a reload of an append table empties it with a DELETE (a TRUNCATE would commit the transaction on Redshift)', () => {
  assert.equal(emptyTargetStatement(postgresDialect, { schema: 'shop', table: 'order_events' }), 'DELETE FROM "shop"."order_events"');
});
