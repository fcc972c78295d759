import assert from 'node:assert/strict';
import { test } from 'node:test';
import { postgresDialect } from '../postgres/dialect.js';
import { createRedshiftDialect } from '../redshift/dialect.js';
import {
  clearLedgerStatement,
  clearTruncationStatement,
  createLedgerStatements,
  createTargetLedgerStatements,
  forgetRecreatedTopicStatement,
  isCoveredByLedger,
  ledgerTableName,
  selectLedgerStatement,
  showLedgerStatement,
  targetLedgerName,
  targetLedgerTablesStatement,
} from './ledger.js';

const redshift = createRedshiftDialect({ iamRole: 'arn:aws:iam::123456789012:role/copy' });

const ranges = [
  { partition: 0, first: 5, last: 9 },
  { partition: 2, first: 1, last: 3 },
];

test('a batch is covered when every partition of it is at or below the ledger', () => {
  assert.equal(
    isCoveredByLedger(
      ranges,
      new Map([
        [0, 9n],
        [2, 3n],
      ]),
    ),
    true,
  );
  assert.equal(
    isCoveredByLedger(
      ranges,
      new Map([
        [0, 100n],
        [2, 50n],
      ]),
    ),
    true,
    'an older batch after a newer one',
  );
});

test('a batch is not covered when any partition is ahead of the ledger or unknown to it', () => {
  assert.equal(
    isCoveredByLedger(
      ranges,
      new Map([
        [0, 9n],
        [2, 2n],
      ]),
    ),
    false,
  );
  assert.equal(isCoveredByLedger(ranges, new Map([[0, 9n]])), false);
  assert.equal(isCoveredByLedger([], new Map()), false, 'a batch without offsets is never skipped');
});

test('the truncation watermark table is created with the ledger, one row per stream', () => {
  const statements = createLedgerStatements(redshift);
  assert.equal(statements.length, 3);
  assert.equal(
    statements[2],
    'CREATE TABLE IF NOT EXISTS "pgshift"."truncations" ("target_schema" VARCHAR(512) NOT NULL, "target_table" VARCHAR(512) NOT NULL, ' +
      '"topic" VARCHAR(512) NOT NULL, "lsn" BIGINT NOT NULL, "batch_id" VARCHAR(512) NOT NULL, "updated_at" TIMESTAMP NOT NULL, PRIMARY KEY ("topic", "target_schema", "target_table"))',
  );
  assert.match(createLedgerStatements(postgresDialect)[2]!, /"lsn" bigint NOT NULL/);
});

test('clearing a target forgets every row of its own ledger table: its offsets and its truncation watermark', () => {
  const target = { schema: 'Sales', table: 'Orders' };
  assert.equal(
    clearLedgerStatement(redshift, target),
    'DELETE FROM "pgshift"."ledger_sales_orders_74609b9789" WHERE "target_schema" = \'sales\' AND "target_table" = \'orders\'',
  );
  assert.equal(
    clearTruncationStatement(redshift, target),
    'DELETE FROM "pgshift"."ledger_sales_orders_74609b9789" WHERE "target_schema" = \'sales\' AND "target_table" = \'orders\' AND "partition" = -1',
  );
  assert.equal(
    clearLedgerStatement(postgresDialect, target),
    'DELETE FROM "pgshift"."ledger_sales_orders_0eb38fb7bd" WHERE "target_schema" = \'Sales\' AND "target_table" = \'Orders\'',
  );
});

test('each target has a ledger table of its own, named from the stored names, lower case, never longer than PostgreSQL allows', () => {
  assert.equal(
    targetLedgerName(redshift, { schema: 'Sales', table: 'Orders' }),
    targetLedgerName(redshift, { schema: 'sales', table: 'orders' }),
    'Redshift folds',
  );
  assert.notEqual(
    targetLedgerName(postgresDialect, { schema: 'Sales', table: 'Orders' }),
    targetLedgerName(postgresDialect, { schema: 'sales', table: 'orders' }),
  );
  assert.notEqual(
    targetLedgerName(redshift, { schema: 'a_b', table: 'c' }),
    targetLedgerName(redshift, { schema: 'a', table: 'b_c' }),
    'the hash tells them apart',
  );
  const long = targetLedgerName(postgresDialect, { schema: 'x'.repeat(60), table: 'Ünïcode "table"' });
  assert.match(long, /^ledger_x{40}_[0-9a-f]{10}$/);
  assert.equal(ledgerTableName(redshift, { schema: 'dw', table: 'orders' }), '"pgshift"."ledger_dw_orders_134e409538"');
  assert.equal(ledgerTableName(redshift), '"pgshift"."ledger"', 'without a target: the shared table of earlier versions');
});

test('a target ledger table is created and filled from the shared tables of earlier versions in one transaction', () => {
  const statements = createTargetLedgerStatements(redshift, { schema: 'dw', table: 'orders' });
  const table = '"pgshift"."ledger_dw_orders_134e409538"';
  const columns = '"target_schema", "target_table", "topic", "partition", "last_offset", "batch_id", "updated_at"';
  assert.deepEqual(statements, [
    `CREATE TABLE ${table} ("target_schema" VARCHAR(512) NOT NULL, "target_table" VARCHAR(512) NOT NULL, "topic" VARCHAR(512) NOT NULL, ` +
      '"partition" INTEGER NOT NULL, "last_offset" BIGINT NOT NULL, "batch_id" VARCHAR(512) NOT NULL, "updated_at" TIMESTAMP NOT NULL, ' +
      '"last_tx_lsn" BIGINT, PRIMARY KEY ("topic", "target_schema", "target_table", "partition"))',
    `INSERT INTO ${table} (${columns}) SELECT ${columns} FROM "pgshift"."ledger" WHERE "target_schema" = 'dw' AND "target_table" = 'orders'`,
    `INSERT INTO ${table} (${columns}) SELECT "target_schema", "target_table", "topic", -1, "lsn", "batch_id", "updated_at" FROM "pgshift"."truncations" ` +
      `WHERE "target_schema" = 'dw' AND "target_table" = 'orders'`,
  ]);
  assert.ok(!statements[0]!.includes('IF NOT EXISTS'), 'an existing table fails the transaction, so its rows are never copied twice');
});

test("a stream's ledger read leaves its watermark row out", () => {
  assert.equal(
    selectLedgerStatement(redshift, { topic: 't', target: { schema: 'dw', table: 'orders' } }),
    'SELECT "partition", "last_offset" FROM "pgshift"."ledger_dw_orders_134e409538" WHERE "topic" = \'t\' AND "target_schema" = \'dw\' AND "target_table" = \'orders\' ' +
      'AND "partition" >= 0 ORDER BY "partition"',
  );
});

test('every target ledger table can be listed from the catalog', () => {
  assert.equal(
    targetLedgerTablesStatement(postgresDialect),
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'pgshift' AND table_name LIKE E'ledger\\\\_%' ORDER BY table_name",
  );
});

test("showing the ledger selects every column as text from each target ledger table, all rows or one target's by its stored names", () => {
  const orders = { schema: 'Sales', table: 'Orders' };
  assert.equal(
    showLedgerStatement(redshift, [targetLedgerName(redshift, orders)], orders),
    'SELECT "target_schema" AS "target_schema", "target_table" AS "target_table", "topic" AS "topic", CAST("partition" AS VARCHAR(40)) AS "partition", ' +
      'CAST("last_offset" AS VARCHAR(40)) AS "last_offset", "batch_id" AS "batch_id", TO_CHAR("updated_at", \'YYYY-MM-DD HH24:MI:SS\') AS "updated_at" ' +
      `FROM "pgshift"."${targetLedgerName(redshift, orders)}" WHERE "target_schema" = 'sales' AND "target_table" = 'orders' ORDER BY 1, 2, 3, 4`,
  );
  const select = (table: string) =>
    'SELECT "target_schema" AS "target_schema", "target_table" AS "target_table", "topic" AS "topic", CAST("partition" AS TEXT) AS "partition", ' +
    'CAST("last_offset" AS TEXT) AS "last_offset", "batch_id" AS "batch_id", TO_CHAR("updated_at", \'YYYY-MM-DD HH24:MI:SS\') AS "updated_at" ' +
    `FROM "pgshift"."${table}"`;
  assert.equal(
    showLedgerStatement(postgresDialect, ['ledger_a_1', 'ledger_b_2']),
    `${select('ledger_a_1')} UNION ALL ${select('ledger_b_2')} ORDER BY 1, 2, 3, 4`,
  );
});

test('a batch whose changes all come after the change that set an overlapped offset removes that ledger row: a re-created topic', () => {
  const stream = { topic: 'pgshift.app.orders', target: { schema: 'dw', table: 'orders' } };
  const ranges = [
    { partition: 0, first: 0, last: 14 },
    { partition: 2, first: 3, last: 7 },
  ];
  assert.equal(
    forgetRecreatedTopicStatement(redshift, stream, ranges, 5000n),
    'DELETE FROM "pgshift"."ledger_dw_orders_134e409538" WHERE "topic" = \'pgshift.app.orders\' AND "target_schema" = \'dw\' AND "target_table" = \'orders\' ' +
      'AND (("partition" = 0 AND "last_offset" >= 0) OR ("partition" = 2 AND "last_offset" >= 3)) AND "last_tx_lsn" < 5000',
  );
  assert.equal(forgetRecreatedTopicStatement(redshift, stream, [], 5000n), null, 'a batch without offsets overlaps nothing');
});

test("a batch's ledger read leaves out the rows an earlier topic of the name left, and keeps rows without a position", () => {
  const stream = { topic: 'pgshift.app.orders', target: { schema: 'dw', table: 'orders' } };
  assert.equal(
    selectLedgerStatement(redshift, stream, 5000n),
    'SELECT "partition", "last_offset" FROM "pgshift"."ledger_dw_orders_134e409538" WHERE "topic" = \'pgshift.app.orders\' AND "target_schema" = \'dw\' ' +
      'AND "target_table" = \'orders\' AND "partition" >= 0 AND ("last_tx_lsn" IS NULL OR "last_tx_lsn" >= 5000) ORDER BY "partition"',
  );
  assert.doesNotMatch(selectLedgerStatement(redshift, stream), /last_tx_lsn/, 'without a batch, every row');
});
