import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ColumnSpec } from '@pgshift/contracts';
import { mapColumns } from '../columns.js';
import { postgresDialect } from '../postgres/dialect.js';
import { createRedshiftDialect } from '../redshift/dialect.js';
import { mergeStatements } from './merge.js';
import {
  createSubstitutesTableStatement,
  recordSubstitutesStatement,
  substitutedColumns,
  substitutesTableName,
  unrepresentableGuardStatement,
} from './substitutes.js';

const redshift = createRedshiftDialect({ iamRole: 'arn:aws:iam::123456789012:role/copy' });
const target = { schema: 'dw', table: 'orders' };
const columns: ColumnSpec[] = [
  { name: 'id', sourceType: 'numeric', nullable: false, primaryKey: true },
  { name: 'due', sourceType: 'date', nullable: true, primaryKey: false },
  { name: 'amount', sourceType: 'numeric', nullable: true, primaryKey: false },
  { name: 'note', sourceType: 'text', nullable: true, primaryKey: false },
];
const mapped = mapColumns(redshift, columns);
const stage = '"_pgshift_stage"';

test('the record table lives in pgshift, named after its target like the ledger table', () => {
  assert.equal(substitutesTableName(redshift, target), '"pgshift"."substitutes_dw_orders_134e409538"');
  assert.equal(
    createSubstitutesTableStatement(redshift, target),
    'CREATE TABLE IF NOT EXISTS "pgshift"."substitutes_dw_orders_134e409538" (target_key VARCHAR(65535) NOT NULL, column_name VARCHAR(127) NOT NULL, ' +
      'original VARCHAR(1024), original_md5 CHAR(32) NOT NULL, original_bytes INTEGER NOT NULL, substitute VARCHAR(256) NOT NULL, batch_id VARCHAR(256) NOT NULL, recorded_at TIMESTAMP NOT NULL)',
  );
});

test('key columns never get a substitute; on PostgreSQL no column does', () => {
  assert.deepEqual(
    substitutedColumns(redshift, mapped).map((c) => c.column.name),
    ['due', 'amount'],
  );
  assert.deepEqual(substitutedColumns(postgresDialect, mapColumns(postgresDialect, columns)), []);
});

test('one INSERT records every substituted cell of the written rows: key, column, original (or its md5 and length), substitute, batch', () => {
  const sql = recordSubstitutesStatement(redshift, target, stage, substitutedColumns(redshift, mapped), mapped.slice(0, 1), 'b-7', false);
  assert.equal(
    sql,
    'INSERT INTO "pgshift"."substitutes_dw_orders_134e409538" (target_key, column_name, original, original_md5, original_bytes, substitute, batch_id, recorded_at) ' +
      `SELECT 'id=' || COALESCE(CAST("id" AS VARCHAR(65535)), 'NULL'), 'due', CASE WHEN OCTET_LENGTH("due") <= 1024 THEN "due" END, MD5("due"), OCTET_LENGTH("due"), ` +
      `'9999-12-31 for infinity, 0001-01-01 for -infinity', 'b-7', SYSDATE FROM "_pgshift_stage" WHERE "_pgshift_op" <> 'd' AND "due" IN ('infinity', '-infinity') UNION ALL ` +
      `SELECT 'id=' || COALESCE(CAST("id" AS VARCHAR(65535)), 'NULL'), 'amount', CASE WHEN OCTET_LENGTH("amount") <= 1024 THEN "amount" END, MD5("amount"), OCTET_LENGTH("amount"), ` +
      `'NULL', 'b-7', SYSDATE FROM "_pgshift_stage" WHERE "_pgshift_op" <> 'd' AND "amount" !~ '^-?[0-9]{1,28}([.][0-9]{0,10}0*)?$'`,
  );
  const twoKeys = recordSubstitutesStatement(redshift, target, stage, substitutedColumns(redshift, mapped).slice(0, 1), [mapped[0]!, mapped[3]!], 'b', true);
  assert.match(
    twoKeys,
    /SELECT 'id=' \|\| COALESCE\(CAST\("id" AS VARCHAR\(65535\)\), 'NULL'\) \|\| ', note=' \|\| COALESCE\(CAST\("note" AS VARCHAR\(65535\)\), 'NULL'\), 'due'/,
  );
  assert.match(twoKeys, / WHERE TRUE AND "due" IN/, 'soft mode writes deletes too');
  const noKey = recordSubstitutesStatement(redshift, target, stage, substitutedColumns(redshift, mapped).slice(0, 1), [], 'b', false);
  assert.match(
    noKey,
    /SELECT 'position=' \|\| CAST\("_pgshift_partition" AS VARCHAR\(65535\)\) \|\| '\/' \|\| CAST\("_pgshift_offset" AS VARCHAR\(65535\)\), 'due'/,
  );
});

test('policy stop: a guard divides by zero when a written row holds a value its column cannot hold, and nothing is recorded', () => {
  assert.equal(
    unrepresentableGuardStatement(redshift, stage, substitutedColumns(redshift, mapped), false),
    `SELECT 1 / (CASE WHEN COUNT(*) = 0 THEN 1 ELSE 0 END) AS "no_unrepresentable_values" FROM "_pgshift_stage" WHERE "_pgshift_op" <> 'd' AND ` +
      `("due" IN ('infinity', '-infinity') OR "amount" !~ '^-?[0-9]{1,28}([.][0-9]{0,10}0*)?$')`,
  );
  const plan = {
    batch: {
      batchId: 'b-1',
      kind: 'rows' as const,
      table: { topic: 'pgshift.app.orders', schema: 'app', table: 'orders' },
      createdAtMs: 0,
      manifestUrl: 's3://bucket/p/manifest.json',
      files: [],
      rowCount: 1,
      rowsByOp: { c: 1, u: 0, d: 0, r: 0 },
      eventCount: 1,
      columns,
      schemaFingerprint: 'f',
      offsets: [{ partition: 0, first: 1, last: 1 }],
      lsnRange: null,
      sourceTimeRange: null,
      oversizedValues: [],
      producer: 'test',
    },
    target,
    columns: mapped,
  };
  const stop = mergeStatements(redshift, { ...plan, options: { deleteMode: 'hard', oversizePolicy: 'stop', unrepresentablePolicy: 'stop' } }).map(
    (s) => s.kind,
  );
  assert.ok(stop.includes('unrepresentable-guard') && !stop.includes('record-substitutes'));
  const substitute = mergeStatements(redshift, { ...plan, options: { deleteMode: 'hard', oversizePolicy: 'stop' } }).map((s) => s.kind);
  assert.deepEqual(
    substitute.slice(substitute.indexOf('keep-unchanged') + 1, substitute.indexOf('remove-target-rows')),
    ['create-substitutes', 'record-substitutes'],
    'recorded after the filters, before the target changes',
  );
  const onPostgres = mergeStatements(postgresDialect, {
    ...plan,
    columns: mapColumns(postgresDialect, columns),
    options: { deleteMode: 'hard', oversizePolicy: 'stop' },
  });
  assert.ok(!onPostgres.some((s) => s.kind === 'record-substitutes' || s.kind === 'unrepresentable-guard'));
});
