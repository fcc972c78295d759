import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type BatchReady, type ColumnSpec, NULL_SENTINEL, STAGING_META_COLUMNS } from '@pgshift/contracts';
import { mapColumns } from '../columns.js';
import type { Dialect } from '../dialect.js';
import { InvalidIdentifier, StatementLimitExceeded } from '../errors.js';
import type { MergeOptions, MergePlan } from '../merge-plan.js';
import { postgresDialect } from '../postgres/dialect.js';
import { createRedshiftDialect } from '../redshift/dialect.js';
import { type MergeStatement, mergeStatements } from './merge.js';

const L = '"pgshift"."ledger_dw_orders_134e409538"';
const redshift = createRedshiftDialect({ iamRole: 'arn:aws:iam::123456789012:role/copy' });

const keyed: ColumnSpec[] = [
  { name: 'id', sourceType: 'int8', nullable: false, primaryKey: true },
  { name: 'Name', sourceType: 'varchar', length: 50, nullable: true, primaryKey: false },
  { name: 'doc', sourceType: 'jsonb', nullable: true, primaryKey: false },
  { name: 'blob', sourceType: 'bytea', nullable: true, primaryKey: false },
  { name: 'at', sourceType: 'timestamptz', nullable: true, primaryKey: false },
];

function batch(overrides: Partial<BatchReady> = {}): BatchReady {
  return {
    batchId: 'b-1',
    kind: 'rows',
    table: { topic: 'pgshift.app.orders', schema: 'app', table: 'orders' },
    createdAtMs: 0,
    manifestUrl: 's3://bucket/p/manifest.json',
    files: [],
    rowCount: 3,
    rowsByOp: { c: 1, u: 1, d: 1, r: 0 },
    eventCount: 3,
    columns: keyed,
    schemaFingerprint: 'f',
    offsets: [
      { partition: 0, first: 10, last: 14 },
      { partition: 2, first: 7, last: 7 },
    ],
    lsnRange: null,
    sourceTimeRange: { minMs: 0, maxMs: Date.UTC(2026, 0, 1) },
    oversizedValues: [],
    producer: 'test',
    ...overrides,
  };
}

function statements(
  dialect: Dialect,
  options: Partial<MergeOptions> = {},
  overrides: Partial<BatchReady> = {},
  plan: Partial<MergePlan> = {},
): MergeStatement[] {
  const b = batch(overrides);
  return mergeStatements(dialect, {
    batch: b,
    target: { schema: 'dw', table: 'orders' },
    options: { deleteMode: 'hard', oversizePolicy: 'stop', ...options },
    columns: mapColumns(dialect, b.columns),
    ...plan,
  });
}

function sqlOf(list: MergeStatement[], kind: MergeStatement['kind']): string {
  const found = list.find((s) => s.kind === kind);
  assert.ok(found, `no ${kind} statement`);
  return found.sql;
}

test('a rows batch is staged, checked, filtered by the ledger and the truncation watermark, merged, and advances the ledger, in that order', () => {
  assert.deepEqual(
    statements(redshift).map((s) => s.kind),
    [
      'lock-ledger',
      'create-staging',
      'copy',
      'count-guard',
      'ledger-filter',
      'truncation-filter',
      'create-tombstones',
      'stale-filter',
      'tombstone-filter',
      'keep-unchanged',
      'create-substitutes',
      'record-substitutes',
      'remove-target-rows',
      'write-target-rows',
      'tombstone-remove',
      'tombstone-insert',
      'tombstone-prune',
      'ledger-update',
      'ledger-insert',
      'drop-staging',
    ],
  );
});

test('Redshift SQL never commits implicitly and uses no syntax Redshift lacks', () => {
  for (const options of [{ deleteMode: 'hard' as const }, { deleteMode: 'soft' as const }]) {
    for (const kind of ['rows', 'truncate'] as const) {
      for (const s of statements(redshift, options, {
        kind,
        manifestUrl: kind === 'rows' ? 's3://bucket/p/manifest.json' : null,
        lsnRange: { min: '5', max: '5' },
      })) {
        assert.doesNotMatch(s.sql, /\bTRUNCATE\b(?!COLUMNS)|\bMERGE\b|ON CONFLICT|RETURNING|\bVALUES\b/i, s.sql);
      }
    }
  }
});

test('the staging table has the batch columns (mapped) then the staging metadata columns; SUPER and VARBYTE are staged as themselves, timestamps as text', () => {
  assert.equal(
    sqlOf(statements(redshift), 'create-staging'),
    'CREATE TEMP TABLE "_pgshift_stage" ("id" BIGINT, "name" VARCHAR(200), "doc" SUPER, "blob" VARBYTE(1024000), "at" VARCHAR(64), ' +
      '"_pgshift_op" CHAR(1), "_pgshift_lsn" BIGINT, "_pgshift_source_ts" TIMESTAMP, "_pgshift_partition" INTEGER, "_pgshift_offset" BIGINT, "_pgshift_unchanged" VARCHAR(65535), "_pgshift_tx_lsn" BIGINT, "_pgshift_old_key" BIGINT, "_pgshift_new_key" BIGINT)',
  );
});

test('Redshift COPY reads the manifest as gzipped CSV with the NULL sentinel', () => {
  assert.equal(
    sqlOf(statements(redshift), 'copy'),
    'COPY "_pgshift_stage" ("id", "name", "doc", "blob", "at", "_pgshift_op", "_pgshift_lsn", "_pgshift_source_ts", "_pgshift_partition", "_pgshift_offset", "_pgshift_unchanged") ' +
      "FROM 's3://bucket/p/manifest.json' IAM_ROLE 'arn:aws:iam::123456789012:role/copy' MANIFEST FORMAT AS CSV GZIP IGNOREHEADER 1 NULL AS '\\001N' " +
      "TIMEFORMAT 'auto' DATEFORMAT 'auto' ACCEPTINVCHARS COMPUPDATE OFF STATUPDATE OFF",
  );
  assert.equal(NULL_SENTINEL, '\u0001N', 'the octal escape above spells the contract sentinel');
});

test('TRUNCATECOLUMNS only under the truncate oversize policy; REGION when the bucket is elsewhere', () => {
  assert.doesNotMatch(sqlOf(statements(redshift, { oversizePolicy: 'stop' }), 'copy'), /TRUNCATECOLUMNS/);
  assert.match(sqlOf(statements(redshift, { oversizePolicy: 'truncate' }), 'copy'), / TRUNCATECOLUMNS$/);
  const elsewhere = createRedshiftDialect({ iamRole: 'r', region: 'eu-west-1' });
  assert.match(sqlOf(statements(elsewhere), 'copy'), / REGION 'eu-west-1'/);
  assert.throws(() => statements(createRedshiftDialect()), /IAM role/);
});

test('the count guard divides by zero unless the staging table holds exactly rowCount rows', () => {
  assert.equal(
    sqlOf(statements(redshift, {}, { rowCount: 42 }), 'count-guard'),
    'SELECT 1 / (CASE WHEN COUNT(*) = 42 THEN 1 ELSE 0 END) AS "staged_row_count_matches" FROM "_pgshift_stage"',
  );
});

test('the ledger filter removes staged rows at or below the ledger offset of their partition, for this stream', () => {
  assert.equal(
    sqlOf(statements(redshift), 'ledger-filter'),
    'DELETE FROM "_pgshift_stage" USING "pgshift"."ledger_dw_orders_134e409538" WHERE "pgshift"."ledger_dw_orders_134e409538"."topic" = \'pgshift.app.orders\' ' +
      'AND "pgshift"."ledger_dw_orders_134e409538"."target_schema" = \'dw\' AND "pgshift"."ledger_dw_orders_134e409538"."target_table" = \'orders\' ' +
      'AND "pgshift"."ledger_dw_orders_134e409538"."partition" = "_pgshift_stage"."_pgshift_partition" AND "_pgshift_stage"."_pgshift_offset" <= "pgshift"."ledger_dw_orders_134e409538"."last_offset"',
  );
});

test('the truncation filter removes staged rows below the stream truncation watermark, the ledger row of partition -1', () => {
  assert.equal(
    sqlOf(statements(redshift), 'truncation-filter'),
    `DELETE FROM "_pgshift_stage" USING ${L} WHERE ${L}."topic" = 'pgshift.app.orders' ` +
      `AND ${L}."target_schema" = 'dw' AND ${L}."target_table" = 'orders' AND ${L}."partition" = -1 ` +
      `AND "_pgshift_stage"."_pgshift_lsn" < ${L}."last_offset"`,
  );
});

test("every batch first locks its target's own ledger table: loaders of one target queue, other targets share nothing", () => {
  for (const batch of [{}, truncateAt('5')]) assert.equal(statements(redshift, {}, batch)[0]!.sql, `LOCK ${L}`);
  assert.equal(statements(postgresDialect)[0]!.sql, `LOCK TABLE ${L} IN SHARE ROW EXCLUSIVE MODE`);
});

test('unchanged TOAST columns take the target value, by their position in the batch; fixed-width columns are left alone', () => {
  const sql = sqlOf(statements(redshift), 'keep-unchanged');
  assert.match(sql, /^UPDATE "_pgshift_stage" SET /);
  assert.match(
    sql,
    /"name" = CASE WHEN "_pgshift_stage"\."_pgshift_unchanged" LIKE '%\|1\|%' THEN "_pgshift_current"\."name" ELSE "_pgshift_stage"\."name" END/,
  );
  assert.match(sql, /"doc" = CASE WHEN [^ ]+ LIKE '%\|2\|%'/);
  assert.match(sql, /"blob" = CASE WHEN [^ ]+ LIKE '%\|3\|%'/);
  assert.doesNotMatch(sql, /"at" = CASE/, 'a timestamptz is never TOASTed');
  assert.doesNotMatch(sql, /"id" = CASE/, 'keys are never unchanged');
  assert.match(
    sql,
    / FROM "dw"\."orders" AS "_pgshift_current" WHERE "_pgshift_stage"\."id" = "_pgshift_current"\."id" AND "_pgshift_stage"\."_pgshift_unchanged" IS NOT NULL AND "_pgshift_stage"\."_pgshift_op" <> 'd'$/,
  );
});

test('a table with only fixed-width columns needs no unchanged-value statement in hard mode', () => {
  const columns: ColumnSpec[] = [keyed[0]!, { name: 'n', sourceType: 'int4', nullable: true, primaryKey: false }];
  assert.ok(!statements(redshift, {}, { columns }).some((s) => s.kind === 'keep-unchanged'));
});

test('hard mode deletes every staged key from the target and inserts the last change of each key that is not a delete', () => {
  const list = statements(redshift);
  assert.equal(sqlOf(list, 'remove-target-rows'), 'DELETE FROM "dw"."orders" USING "_pgshift_stage" WHERE "dw"."orders"."id" = "_pgshift_stage"."id"');
  const insert = sqlOf(list, 'write-target-rows');
  assert.match(
    insert,
    /^INSERT INTO "dw"\."orders" \("id", "name", "doc", "blob", "at", "_pgshift_lsn", "_pgshift_tx_lsn", "_pgshift_source_ts", "_pgshift_loaded_at"\) SELECT "id", "name", "doc", "blob", CASE WHEN "at" = 'infinity' THEN CAST\('9999-12-31 23:59:59\.999999\+00' AS TIMESTAMPTZ\) WHEN "at" = '-infinity' THEN CAST\('0001-01-01 00:00:00\+00' AS TIMESTAMPTZ\) ELSE CAST\("at" AS TIMESTAMPTZ\) END, "_pgshift_lsn", "_pgshift_tx_lsn", "_pgshift_source_ts", SYSDATE FROM/,
  );
  assert.match(
    insert,
    /ROW_NUMBER\(\) OVER \(PARTITION BY "id" ORDER BY COALESCE\("_pgshift_tx_lsn", "_pgshift_lsn"\) DESC, "_pgshift_lsn" DESC, "_pgshift_offset" DESC\) AS "_pgshift_rank"/,
  );
  assert.match(insert, /WHERE "_pgshift_rank" = 1\) AS "_pgshift_latest" WHERE "_pgshift_op" <> 'd'$/);
});

test('composite keys match on every key column', () => {
  const columns: ColumnSpec[] = [
    { name: 'tenant', sourceType: 'int4', nullable: false, primaryKey: true },
    { name: 'id', sourceType: 'int8', nullable: false, primaryKey: true },
    { name: 'v', sourceType: 'text', nullable: true, primaryKey: false },
  ];
  const list = statements(redshift, {}, { columns });
  assert.match(
    sqlOf(list, 'remove-target-rows'),
    /WHERE "dw"\."orders"\."tenant" = "_pgshift_stage"\."tenant" AND "dw"\."orders"\."id" = "_pgshift_stage"\."id"$/,
  );
  assert.match(sqlOf(list, 'write-target-rows'), /PARTITION BY "tenant", "id"/);
});

test('soft mode, for a batch of an older batcher, writes deletes as rows marked deleted, keeping the target values of their other columns', () => {
  const list = statements(redshift, { deleteMode: 'soft' });
  const insert = sqlOf(list, 'write-target-rows');
  assert.match(insert, /"_pgshift_deleted", "_pgshift_deleted_at"\) SELECT /);
  assert.match(
    insert,
    /CASE WHEN "_pgshift_op" = 'd' THEN TRUE ELSE FALSE END, CASE WHEN "_pgshift_op" = 'd' THEN COALESCE\("_pgshift_source_ts", SYSDATE\) END FROM/,
  );
  assert.match(insert, /WHERE "_pgshift_rank" = 1\) AS "_pgshift_latest"$/, 'deletes are not filtered out');
  const keep = sqlOf(list, 'keep-unchanged');
  assert.match(
    keep,
    /"at" = CASE WHEN "_pgshift_stage"\."_pgshift_op" = 'd' THEN CAST\("_pgshift_current"\."at" AS VARCHAR\(64\)\)/,
    'every column of a deleted row, as staged text',
  );
  assert.match(keep, /"name" = CASE WHEN "_pgshift_stage"\."_pgshift_op" = 'd' OR "_pgshift_stage"\."_pgshift_unchanged" LIKE '%\|1\|%'/);
  assert.match(keep, /AND \("_pgshift_stage"\."_pgshift_unchanged" IS NOT NULL OR "_pgshift_stage"\."_pgshift_op" = 'd'\)$/);
});

test('a table without a key appends every staged row with its op and position, deleting nothing', () => {
  const columns = keyed.map((c) => ({ ...c, primaryKey: false }));
  const list = statements(redshift, {}, { columns });
  assert.deepEqual(
    list.map((s) => s.kind),
    [
      'lock-ledger',
      'create-staging',
      'copy',
      'count-guard',
      'ledger-filter',
      'truncation-filter',
      'create-substitutes',
      'record-substitutes',
      'write-target-rows',
      'ledger-update',
      'ledger-insert',
      'drop-staging',
    ],
  );
  assert.equal(
    sqlOf(list, 'write-target-rows'),
    'INSERT INTO "dw"."orders" ("id", "name", "doc", "blob", "at", "_pgshift_lsn", "_pgshift_tx_lsn", "_pgshift_source_ts", "_pgshift_loaded_at", "_pgshift_op", "_pgshift_partition", "_pgshift_offset") ' +
      `SELECT "id", "name", "doc", "blob", CASE WHEN "at" = 'infinity' THEN CAST('9999-12-31 23:59:59.999999+00' AS TIMESTAMPTZ) WHEN "at" = '-infinity' THEN CAST('0001-01-01 00:00:00+00' AS TIMESTAMPTZ) ELSE CAST("at" AS TIMESTAMPTZ) END, "_pgshift_lsn", "_pgshift_tx_lsn", "_pgshift_source_ts", SYSDATE, "_pgshift_op", "_pgshift_partition", "_pgshift_offset" FROM "_pgshift_stage"`,
  );
});

const truncateAt = (lsn: string): Partial<BatchReady> => ({
  kind: 'truncate',
  manifestUrl: null,
  rowCount: 0,
  offsets: [{ partition: 1, first: 20, last: 20 }],
  lsnRange: { min: lsn, max: lsn },
});

test('a truncate batch deletes the rows last changed before its LSN (never TRUNCATE) unless the ledger already covers it', () => {
  const list = statements(redshift, {}, truncateAt('9000000000'));
  assert.deepEqual(
    list.map((s) => s.kind),
    ['lock-ledger', 'truncate-target', 'truncation-remove', 'truncation-insert', 'ledger-update', 'ledger-insert'],
  );
  assert.equal(
    sqlOf(list, 'truncate-target'),
    'DELETE FROM "dw"."orders" WHERE "_pgshift_lsn" < 9000000000 ' +
      'AND NOT (EXISTS (SELECT 1 FROM "pgshift"."ledger_dw_orders_134e409538" WHERE "topic" = \'pgshift.app.orders\' AND "target_schema" = \'dw\' AND "target_table" = \'orders\' AND "partition" = 1 AND "last_offset" >= 20))',
  );
});

test('a truncate batch moves the stream truncation watermark forward only, with the ledger upsert shape', () => {
  const list = statements(redshift, {}, truncateAt('9000000000'));
  assert.equal(
    sqlOf(list, 'truncation-remove'),
    `DELETE FROM ${L} WHERE "topic" = 'pgshift.app.orders' AND "target_schema" = 'dw' AND "target_table" = 'orders' AND "partition" = -1 AND "last_offset" < 9000000000`,
  );
  assert.equal(
    sqlOf(list, 'truncation-insert'),
    `INSERT INTO ${L} ("target_schema", "target_table", "topic", "partition", "last_offset", "batch_id", "updated_at") ` +
      `SELECT 'dw', 'orders', 'pgshift.app.orders', -1, "batch"."lsn", 'b-1', SYSDATE FROM (SELECT 9000000000 AS "lsn") AS "batch" ` +
      `LEFT JOIN ${L} AS "existing" ON "existing"."topic" = 'pgshift.app.orders' ` +
      `AND "existing"."target_schema" = 'dw' AND "existing"."target_table" = 'orders' AND "existing"."partition" = -1 WHERE "existing"."topic" IS NULL`,
  );
});

test('a truncate batch for a target not created yet deletes nothing but moves its watermark and the ledger', () => {
  const list = statements(redshift, {}, truncateAt('5'), { targetExists: false });
  assert.deepEqual(
    list.map((s) => s.kind),
    ['lock-ledger', 'truncation-remove', 'truncation-insert', 'ledger-update', 'ledger-insert'],
  );
});

test('a truncate batch without an LSN deletes every row and records no watermark', () => {
  const list = statements(redshift, {}, { ...truncateAt('1'), lsnRange: null });
  assert.deepEqual(
    list.map((s) => s.kind),
    ['lock-ledger', 'truncate-target', 'ledger-update', 'ledger-insert'],
  );
  assert.match(sqlOf(list, 'truncate-target'), /^DELETE FROM "dw"\."orders" WHERE NOT \(EXISTS/);
});

test('a truncate batch with an LSN that is not a decimal number is refused', () => {
  assert.throws(() => statements(redshift, {}, truncateAt('1; DROP TABLE x')), /invalid LSN/);
});

test('a truncate in soft mode marks the live rows last changed before its LSN deleted, at the batch source time', () => {
  const sql = sqlOf(statements(redshift, { deleteMode: 'soft' }, truncateAt('777')), 'truncate-target');
  assert.match(
    sql,
    /^UPDATE "dw"\."orders" SET "_pgshift_deleted" = TRUE, "_pgshift_deleted_at" = CAST\('2026-01-01 00:00:00\.000' AS TIMESTAMP\), "_pgshift_loaded_at" = SYSDATE, "_pgshift_lsn" = 777 /,
  );
  assert.match(sql, /WHERE \("_pgshift_deleted" IS NULL OR "_pgshift_deleted" = FALSE\) AND "_pgshift_lsn" < 777 AND NOT \(EXISTS/);
});

test('the ledger moves to the greater of its offset and the batch last offset, per partition, with the batch newest transaction position', () => {
  const list = statements(redshift, {}, { txLsnRange: { min: '9000', max: '9100' } });
  assert.equal(
    sqlOf(list, 'ledger-update'),
    `UPDATE ${L} SET "last_offset" = CASE "partition" WHEN 0 THEN 14 WHEN 2 THEN 7 END, "batch_id" = 'b-1', "updated_at" = SYSDATE, ` +
      `"last_tx_lsn" = CASE WHEN "last_tx_lsn" IS NULL OR "last_tx_lsn" < 9100 THEN 9100 ELSE "last_tx_lsn" END ` +
      `WHERE "topic" = 'pgshift.app.orders' AND "target_schema" = 'dw' AND "target_table" = 'orders' AND (("partition" = 0 AND "last_offset" < 14) OR ("partition" = 2 AND "last_offset" < 7))`,
  );
  const insert = sqlOf(list, 'ledger-insert');
  assert.match(insert, /SELECT 'dw', 'orders', 'pgshift\.app\.orders', "batch"\."partition", "batch"\."last_offset", 'b-1', SYSDATE, 9100 /);
  assert.match(
    insert,
    /FROM \(SELECT 0 AS "partition", 14 AS "last_offset" UNION ALL SELECT 2, 7\) AS "batch" LEFT JOIN "pgshift"\."ledger_dw_orders_134e409538" AS "existing"/,
  );
  assert.match(insert, /WHERE "existing"\."partition" IS NULL$/, 'a partition the ledger has further along keeps its row');
});

test("right after the ledger's lock, a batch that carries its positions removes the ledger rows a re-created topic left; older batches do not", () => {
  const list = statements(redshift, {}, { txLsnRange: { min: '9000', max: '9100' } });
  assert.deepEqual(
    list.slice(0, 2).map((s) => s.kind),
    ['lock-ledger', 'ledger-forget-recreated'],
  );
  assert.match(
    sqlOf(list, 'ledger-forget-recreated'),
    /\("partition" = 0 AND "last_offset" >= 10\) OR \("partition" = 2 AND "last_offset" >= 7\)\) AND "last_tx_lsn" < 9000$/,
  );
  const older = statements(redshift);
  assert.ok(!older.some((s) => s.kind === 'ledger-forget-recreated'));
  assert.match(sqlOf(older, 'ledger-insert'), /SYSDATE, CAST\(NULL AS BIGINT\) /, 'no position recorded: the check never fires for its rows');
  assert.match(sqlOf(older, 'ledger-update'), /"last_tx_lsn" = CAST\(NULL AS BIGINT\) WHERE/, 'a row it moves no longer vouches for a position');
});

test('PostgreSQL: COPY from STDIN, no count guard (the adapter checks COPY counts), bytea staged as hex text', () => {
  const list = statements(postgresDialect);
  assert.ok(!list.some((s) => s.kind === 'count-guard'));
  assert.equal(
    sqlOf(list, 'copy'),
    'COPY "_pgshift_stage" ("id", "Name", "doc", "blob", "at", "_pgshift_op", "_pgshift_lsn", "_pgshift_source_ts", "_pgshift_partition", "_pgshift_offset", "_pgshift_unchanged") ' +
      "FROM STDIN WITH (FORMAT csv, HEADER true, NULL E'\\x01N')",
  );
  assert.match(sqlOf(list, 'create-staging'), /"blob" text/);
  assert.match(sqlOf(list, 'write-target-rows'), /decode\("blob", 'hex'\)/);
  assert.match(sqlOf(list, 'keep-unchanged'), /THEN encode\("_pgshift_current"\."blob", 'hex'\)/);
});

test('a statement over 100 KB is refused before it reaches the warehouse', () => {
  const columns: ColumnSpec[] = [
    keyed[0]!,
    ...Array.from({ length: 1500 }, (_, i) => ({ name: `a_rather_long_column_name_number_${i}`, sourceType: 'text', nullable: true, primaryKey: false })),
  ];
  assert.throws(() => statements(redshift, {}, { columns }), StatementLimitExceeded);
});

test('a target table named like the staging table is refused', () => {
  const b = batch();
  assert.throws(
    () =>
      mergeStatements(redshift, {
        batch: b,
        target: { schema: 'dw', table: '_PGSHIFT_STAGE' },
        options: { deleteMode: 'hard', oversizePolicy: 'stop' },
        columns: mapColumns(redshift, b.columns),
      }),
    InvalidIdentifier,
  );
});

test("a staged row at the target row's own position is the same change again: the stale filter drops it, as an older one", () => {
  const list = statements(redshift, {}, { stagingColumns: [...STAGING_META_COLUMNS] });
  assert.match(
    sqlOf(list, 'stale-filter'),
    /AND \(COALESCE\("_pgshift_stage"\."_pgshift_tx_lsn", "_pgshift_stage"\."_pgshift_lsn"\) < COALESCE\("dw"\."orders"\."_pgshift_tx_lsn", -1\) OR \(COALESCE\("_pgshift_stage"\."_pgshift_tx_lsn", "_pgshift_stage"\."_pgshift_lsn"\) = COALESCE\("dw"\."orders"\."_pgshift_tx_lsn", -1\) AND "_pgshift_stage"\."_pgshift_lsn" <= "dw"\."orders"\."_pgshift_lsn"\)\)$/,
  );
});

test('only a batch holding one side of a primary-key change keeps moved rows: the others run none of their statements', () => {
  const current = { stagingColumns: [...STAGING_META_COLUMNS] };
  const movedKinds = (list: MergeStatement[]) => list.map((s) => s.kind).filter((kind) => kind.includes('moved'));
  assert.deepEqual(movedKinds(statements(redshift, {}, { ...current, keyChanges: 0 })), []);
  assert.deepEqual(movedKinds(statements(redshift, {}, current)), [], 'an event without the count: no key change');
  assert.deepEqual(movedKinds(statements(redshift, {}, { ...current, keyChanges: 2 })), [
    'create-moved-rows',
    'keep-unchanged-from-moved-rows',
    'moved-rows-remove',
    'moved-rows-insert',
    'moved-rows-forget',
    'moved-rows-prune',
  ]);
});
