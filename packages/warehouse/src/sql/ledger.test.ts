import assert from 'node:assert/strict';
import { test } from 'node:test';
import { postgresDialect } from '../postgres/dialect.js';
import { createRedshiftDialect } from '../redshift/dialect.js';
import { clearLedgerStatement, clearTruncationStatement, createLedgerStatements, isCoveredByLedger, showLedgerStatement } from './ledger.js';

const redshift = createRedshiftDialect({ iamRole: 'arn:aws:iam::123456789012:role/copy' });

const ranges = [{ partition: 0, first: 5, last: 9 }, { partition: 2, first: 1, last: 3 }];

test('a batch is covered when every partition of it is at or below the ledger', () => {
  assert.equal(isCoveredByLedger(ranges, new Map([[0, 9n], [2, 3n]])), true);
  assert.equal(isCoveredByLedger(ranges, new Map([[0, 100n], [2, 50n]])), true, 'an older batch after a newer one');
});

test('a batch is not covered when any partition is ahead of the ledger or unknown to it', () => {
  assert.equal(isCoveredByLedger(ranges, new Map([[0, 9n], [2, 2n]])), false);
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

test('clearing a target forgets its ledger rows and its truncation watermark, by the names the warehouse stores', () => {
  const target = { schema: 'Sales', table: 'Orders' };
  assert.equal(clearLedgerStatement(redshift, target), 'DELETE FROM "pgshift"."ledger" WHERE "target_schema" = \'sales\' AND "target_table" = \'orders\'');
  assert.equal(clearTruncationStatement(redshift, target), 'DELETE FROM "pgshift"."truncations" WHERE "target_schema" = \'sales\' AND "target_table" = \'orders\'');
  assert.equal(clearTruncationStatement(postgresDialect, target), 'DELETE FROM "pgshift"."truncations" WHERE "target_schema" = \'Sales\' AND "target_table" = \'Orders\'');
});

test('showing the ledger selects every column as text, all rows or one target\'s by its stored names', () => {
  assert.equal(
    showLedgerStatement(redshift, { schema: 'Sales', table: 'Orders' }),
    'SELECT "target_schema" AS "target_schema", "target_table" AS "target_table", "topic" AS "topic", CAST("partition" AS VARCHAR(40)) AS "partition", ' +
      'CAST("last_offset" AS VARCHAR(40)) AS "last_offset", "batch_id" AS "batch_id", TO_CHAR("updated_at", \'YYYY-MM-DD HH24:MI:SS\') AS "updated_at" ' +
      'FROM "pgshift"."ledger" WHERE "target_schema" = \'sales\' AND "target_table" = \'orders\' ORDER BY 1, 2, 3, 4',
  );
  assert.equal(
    showLedgerStatement(postgresDialect),
    'SELECT "target_schema" AS "target_schema", "target_table" AS "target_table", "topic" AS "topic", CAST("partition" AS TEXT) AS "partition", ' +
      'CAST("last_offset" AS TEXT) AS "last_offset", "batch_id" AS "batch_id", TO_CHAR("updated_at", \'YYYY-MM-DD HH24:MI:SS\') AS "updated_at" ' +
      'FROM "pgshift"."ledger" ORDER BY 1, 2, 3, 4',
  );
});
