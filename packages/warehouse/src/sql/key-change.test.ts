import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ColumnSpec } from '@pgshift/contracts';
import { mapColumns } from '../columns.js';
import { postgresDialect } from '../postgres/dialect.js';
import { movedRowsStatements, movedRowsTable } from './key-change.js';
import { mayBeUnchanged } from './merge.js';

const columns: ColumnSpec[] = [
  { name: 'sku', sourceType: 'text', nullable: false, primaryKey: true },
  { name: 'price', sourceType: 'int4', nullable: true, primaryKey: false },
  { name: 'description', sourceType: 'text', nullable: true, primaryKey: false },
];
const mapped = mapColumns(postgresDialect, columns);
const target = { schema: 'shop', table: 'products' };
const stage = '"_pgshift_stage"';
const statements = movedRowsStatements(postgresDialect, target, mapped, stage, mayBeUnchanged)!;
const M = `"pgshift"."${movedRowsTable(target, mapped).table}"`;

test('the moved rows of a target are one table per column list, so a schema change never misaligns them', () => {
  assert.match(movedRowsTable(target, mapped).table, /^moved_shop_products_[0-9a-f]{10}$/);
  const widened = mapColumns(postgresDialect, [...columns, { name: 'note', sourceType: 'text', nullable: true, primaryKey: false }]);
  assert.notEqual(movedRowsTable(target, widened).table, movedRowsTable(target, mapped).table);
});

test('the moved rows hold the key, the position and the columns that may come back unchanged, in staging types', () => {
  assert.equal(
    statements.create,
    `CREATE TABLE IF NOT EXISTS ${M} ("sku" text NOT NULL, "_pgshift_tx_lsn" bigint NOT NULL, "_pgshift_lsn" bigint NOT NULL, "_pgshift_source_ts" timestamp, "description" text)`,
  );
});

test("a moved key's create takes its unchanged values from the old key's moved row, if the row is not newer", () => {
  assert.equal(
    statements.fill,
    `UPDATE ${stage} SET "description" = CASE WHEN ${stage}."_pgshift_unchanged" LIKE '%|2|%' THEN ${M}."description" ELSE ${stage}."description" END ` +
      `FROM ${M} WHERE ${stage}."_pgshift_old_key" = ${M}."sku" AND ${stage}."_pgshift_unchanged" IS NOT NULL AND ${stage}."_pgshift_op" <> 'd' ` +
      `AND ${M}."_pgshift_tx_lsn" <= COALESCE(${stage}."_pgshift_tx_lsn", ${stage}."_pgshift_lsn")`,
  );
});

test("a moved key's delete replaces its key's moved row, only when every value it keeps is known", () => {
  assert.deepEqual(statements.record, [
    `DELETE FROM ${M} USING ${stage} WHERE ${M}."sku" = ${stage}."sku" AND ${stage}."_pgshift_op" = 'd' AND ${stage}."_pgshift_new_key" IS NOT NULL`,
    `INSERT INTO ${M} ("sku", "_pgshift_tx_lsn", "_pgshift_lsn", "_pgshift_source_ts", "description") ` +
      `SELECT "sku", COALESCE("_pgshift_tx_lsn", "_pgshift_lsn"), "_pgshift_lsn", "_pgshift_source_ts", "description" FROM ${stage} ` +
      `WHERE "_pgshift_op" = 'd' AND "_pgshift_new_key" IS NOT NULL AND ("_pgshift_unchanged" IS NULL OR "sku" IN (SELECT "sku" FROM "shop"."products"))`,
  ]);
});

test('the moved rows a batch of creates took are forgotten; old ones are pruned', () => {
  assert.equal(statements.forget, `DELETE FROM ${M} USING ${stage} WHERE ${M}."sku" = ${stage}."_pgshift_old_key" AND ${stage}."_pgshift_op" <> 'd'`);
  assert.equal(
    statements.prune(Date.UTC(2026, 0, 8), 7 * 24 * 3600 * 1000),
    `DELETE FROM ${M} WHERE "_pgshift_source_ts" < CAST('2026-01-01 00:00:00.000' AS timestamp)`,
  );
});

test('no moved rows for compound keys or tables without columns that may be unchanged', () => {
  const compound = mapColumns(
    postgresDialect,
    columns.map((c) => (c.name === 'price' ? { ...c, primaryKey: true, nullable: false } : c)),
  );
  assert.equal(movedRowsStatements(postgresDialect, target, compound, stage, mayBeUnchanged), null);
  const fixed = mapColumns(postgresDialect, columns.slice(0, 2));
  assert.equal(movedRowsStatements(postgresDialect, target, fixed, stage, mayBeUnchanged), null);
});
